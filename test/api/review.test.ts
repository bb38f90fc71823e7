import { ObjectId } from 'mongodb';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { updateAgency } from '../../core/agencies/agencies.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, testApp } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

// The registry app, with channels configured so that each public change writes an outbox and
// asks for a fan-out: what "fanned out exactly as a direct publish" means at the API's edge.
const db = await connectTestDb('review');
const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
const fanOuts: { id: string; keys: string[] }[] = [];
const { logger } = captureLogs();
const services = createServices(db, { readModel: testReadModel(),
  logger,
  now: () => clock.now,
  fanOutChannels: ['wechat-oa', 'webhook'],
  enqueueFanOut: async (id, keys) => {
    fanOuts.push({ id, keys });
  },
});
const app = testApp({ logger, db, services }, { trustProxy: true }).callback();
const http = () => request(app);

const AGENCY = 'bj-haidian-review';
const key = async (role: Role, code = AGENCY) => {
  const made = await agencyWithKey(db, code, role);
  return { ...made, keyId: made.apiKey.split('_')[1]! };
};
const publisher = await key('publisher');
const reviewer = await key('reviewer');
const reviewer2 = await key('reviewer');
const admin = await key('admin');
const admin2 = await key('admin');
const otherReviewer = await key('reviewer', 'bj-chaoyang-review');
const plainPublisher = await key('publisher', 'bj-xicheng-direct');
await updateAgency(db, AGENCY, { requireReview: true });

type Auth = { Authorization: string };

async function draft(auth: Auth = publisher.auth, title = allocationResult().title) {
  const res = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title }));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const publish = (id: string, auth: Auth = publisher.auth, body?: object) => http().post(`/api/v1/disclosures/${id}/publish`).set(auth).send(body);
const approve = (id: string, auth: Auth = reviewer.auth, body: object = {}) => http().post(`/api/v1/disclosures/${id}/approve`).set(auth).send(body);
const stored = async (id: string) => (await db.collection('disclosures').findOne({ _id: new ObjectId(id) }))!;
const actions = async (id: string) => (await stored(id)).events.map((e: { action: string }) => e.action);
const fanOutsOf = (id: string) => fanOuts.filter((f) => f.id === id);

async function inReview(title?: string, auth: Auth = publisher.auth) {
  const id = await draft(auth, title);
  const res = await publish(id, auth);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return { id, hash: res.body.review.contentHash as string };
}

describe('a publish under 先审后发', () => {
  it('answers 202 and leaves a draft awaiting review, out of the public list, feeds, fan-out', async () => {
    const title = '海淀区2026年第四批公共租赁住房分配结果公示（待审）';
    const id = await draft(publisher.auth, title);
    const res = await publish(id);
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('draft');
    expect(res.body.review).toMatchObject({ state: 'pending', kind: 'publish', requestedBy: publisher.keyId, contentChanged: false });
    expect(res.body.review.contentHash).toBe(res.body.revisions[0].contentHash);
    expect((await publish(id)).status).toBe(202); // a retry asks once
    expect(await actions(id)).toEqual(['create', 'request-review']);

    expect((await http().get(`/api/v1/disclosures/${id}`)).status).toBe(404);
    const list = await http().get('/api/v1/disclosures').query({ agency: AGENCY });
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    const feed = await http().get('/feeds/feed.json').query({ agency: AGENCY });
    expect(feed.status).toBe(200);
    expect(feed.text).not.toContain(title);
    expect((await stored(id)).outbox).toBeUndefined();
    expect(fanOutsOf(id)).toEqual([]);
    // Still on the legal clock: an item in review is not public yet.
    const pending = await http().get('/api/v1/compliance/pending').query({ withinDays: 60 }).set(publisher.auth);
    expect(pending.body.items.map((i: { id: string }) => i.id)).toContain(id);
    const queue = await http().get('/api/v1/agency/reviews').set(reviewer.auth);
    expect(queue.body.items.map((i: { id: string }) => i.id)).toContain(id);
  });

  it('is published and fanned out when another key with the reviewer role approves the hash it saw', async () => {
    const { id, hash } = await inReview();
    const res = await approve(id, reviewer.auth, { contentHash: hash });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ status: 'published', onTime: true });
    expect(res.body.review).toBeUndefined();
    expect((await http().get(`/api/v1/disclosures/${id}`)).status).toBe(200);
    const doc = await stored(id);
    expect(Object.keys(doc.outbox).sort()).toEqual(['r1~webhook', 'r1~wechat-oa']);
    expect(fanOutsOf(id)).toEqual([{ id, keys: ['r1~wechat-oa', 'r1~webhook'] }]);
    expect(doc.events.map((e: { action: string; keyId: string }) => [e.action, e.keyId])).toEqual([
      ['create', publisher.keyId],
      ['request-review', publisher.keyId],
      ['approve', reviewer.keyId],
      ['publish', reviewer.keyId],
    ]);
    const audit = await db.collection('audit').find({ subject: id }).sort({ _id: 1 }).toArray();
    expect(audit.map((a) => [a.action, a.contentHash])).toEqual([
      ['disclosure.create', hash],
      ['disclosure.request-review', hash],
      ['disclosure.approve', hash],
      ['disclosure.publish', hash],
    ]);
  });

  it('refuses approval by a publisher, by the requesting key itself, and by another agency (403)', async () => {
    const { id } = await inReview();
    const byPublisher = await approve(id, publisher.auth);
    expect(byPublisher.status).toBe(403);
    expect(byPublisher.body.error.message).toContain('reviewer or admin');
    expect((await approve(id, otherReviewer.auth)).status).toBe(403);

    const own = await inReview(undefined, admin.auth);
    const self = await approve(own.id, admin.auth);
    expect(self.status).toBe(403);
    expect(self.body.error.message).toContain('cannot approve');
    expect((await stored(own.id)).status).toBe('draft');
    expect((await approve(own.id, admin2.auth)).status).toBe(200);
  });

  it('needs a new review after an edit: approval of the old request answers 409', async () => {
    const { id, hash } = await inReview();
    const edit = await http().post(`/api/v1/disclosures/${id}/revisions`).set(publisher.auth).send({ title: '海淀区2026年第三批公共租赁住房分配结果公示（修订）' });
    expect(edit.status).toBe(200);
    expect(edit.body.review.contentChanged).toBe(true);
    const stale = await approve(id);
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toContain('ask for review again');
    expect((await stored(id)).status).toBe('draft');

    const again = await publish(id);
    expect(again.status).toBe(202);
    expect(again.body.review.contentHash).not.toBe(hash);
    const seenOld = await approve(id, reviewer.auth, { contentHash: hash });
    expect(seenOld.status).toBe(409);
    expect(seenOld.body.error.fields[0].path).toBe('contentHash');
    const ok = await approve(id, reviewer.auth, { contentHash: again.body.review.contentHash });
    expect(ok.status).toBe(200);
    expect(ok.body.revisions[0].contentHash).toBe(again.body.review.contentHash);
  });

  it('goes back to the publisher with the reviewer’s reason on rejection', async () => {
    const { id } = await inReview();
    const missing = await http().post(`/api/v1/disclosures/${id}/reject`).set(reviewer.auth).send({});
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['reason']);

    const reason = '申请编号与摇号结果不一致，请核对后重新提交';
    const res = await http().post(`/api/v1/disclosures/${id}/reject`).set(reviewer.auth).send({ reason });
    expect(res.status).toBe(200);
    const seen = await http().get(`/api/v1/agency/disclosures/${id}`).set(publisher.auth);
    expect(seen.body.status).toBe('draft');
    expect(seen.body.review).toMatchObject({ state: 'rejected', reason, rejectedBy: reviewer.keyId });
    expect(seen.body.events.at(-1)).toMatchObject({ action: 'reject', note: reason });
    expect((await approve(id, reviewer2.auth)).status).toBe(409);
    expect((await http().get(`/api/v1/disclosures/${id}`)).status).toBe(404);
    const queue = await http().get('/api/v1/agency/reviews').set(reviewer.auth);
    expect(queue.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
    expect((await publish(id)).status).toBe(202); // submitted again
  });

  it('publishes concurrent approvals of one request once', async () => {
    const { id } = await inReview();
    const answers = await Promise.all([reviewer, reviewer2, admin, admin2, reviewer, reviewer2].map((k) => approve(id, k.auth)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect((await actions(id)).filter((a: string) => a === 'publish')).toHaveLength(1);
    expect(fanOutsOf(id)).toHaveLength(1);
    expect(await db.collection('audit').countDocuments({ subject: id, action: 'disclosure.publish' })).toBe(1);
    expect(await db.collection('audit').countDocuments({ subject: id, action: 'disclosure.approve' })).toBe(1);
  });
});

describe('urgent publication (紧急发布)', () => {
  it('lets an admin publish directly with a reason, recorded in events and audit', async () => {
    const id = await draft();
    expect((await publish(id, publisher.auth, { urgent: { reason: '台风预警，安置房源须立即公布' } })).status).toBe(403);
    const noReason = await publish(id, admin.auth, { urgent: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['urgent.reason']);
    expect((await stored(id)).status).toBe('draft');

    const reason = '台风预警，安置房源须立即公布';
    const res = await publish(id, admin.auth, { urgent: { reason } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('published');
    expect(res.body.events.slice(-2)).toMatchObject([
      { action: 'urgent', note: reason, keyId: admin.keyId, role: 'admin' },
      { action: 'publish', keyId: admin.keyId },
    ]);
    expect(fanOutsOf(id)).toHaveLength(1);
    const entry = await db.collection('audit').findOne({ subject: id, action: 'disclosure.urgent' });
    expect(entry).toMatchObject({ actor: { keyId: admin.keyId, role: 'admin' }, detail: { note: reason } });
    expect(entry?.contentHash).toBe(res.body.revisions[0].contentHash);
  });
});

describe('corrections under 先审后发', () => {
  it('keep the published revision public until a reviewer approves the correction', async () => {
    const { id } = await inReview();
    expect((await approve(id)).status).toBe(200);
    const note = '更正第2户轮候序号';
    const body = { note, title: '海淀区2026年第三批公共租赁住房分配结果公示（更正）' };
    const asked = await http().post(`/api/v1/disclosures/${id}/revisions`).set(publisher.auth).send(body);
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({ status: 'published', review: { state: 'pending', kind: 'correct', note, revision: { n: 2, title: body.title } } });
    const visible = await http().get(`/api/v1/disclosures/${id}`);
    expect(visible.body.revisions).toHaveLength(1);
    expect(visible.body.title).toBe(allocationResult().title);
    expect(fanOutsOf(id)).toHaveLength(1);

    expect((await approve(id, publisher.auth)).status).toBe(403);
    const ok = await approve(id, reviewer2.auth, { contentHash: asked.body.review.contentHash });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'corrected', title: body.title });
    expect(ok.body.revisions.map((r: { n: number; note?: string }) => [r.n, r.note ?? null])).toEqual([[1, null], [2, note]]);
    expect(Object.keys((await stored(id)).outbox).sort()).toEqual(['r1~webhook', 'r1~wechat-oa', 'r2~webhook', 'r2~wechat-oa']);
    expect(fanOutsOf(id).at(-1)).toEqual({ id, keys: ['r2~wechat-oa', 'r2~webhook'] });
    expect((await actions(id)).slice(-3)).toEqual(['request-review', 'approve', 'correct']);
    expect((await http().get(`/api/v1/disclosures/${id}`)).body.revisions).toHaveLength(2);
  });
});

describe('agencies without 先审后发', () => {
  it('publish directly as before, and reviewer keys read the agency’s drafts', async () => {
    const id = await draft(plainPublisher.auth);
    const res = await publish(id, plainPublisher.auth);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('published');
    expect(await actions(id)).toEqual(['create', 'publish']);
    expect((await http().get(`/api/v1/agency/disclosures?status=draft`).set(reviewer.auth)).status).toBe(200);
  });

  it('answers approve with 409 when nothing awaits review', async () => {
    const id = await draft();
    expect((await approve(id)).status).toBe(409);
  });
});

describe('the OpenAPI document', () => {
  it('lists the review and audit endpoints with their roles', async () => {
    const doc = (await http().get('/openapi.json')).body;
    expect(doc.paths['/api/v1/disclosures/{id}/approve'].post['x-roles']).toEqual(['reviewer', 'admin']);
    expect(doc.paths['/api/v1/disclosures/{id}/reject'].post.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/disclosures/{id}/publish'].post.responses['202']).toBeDefined();
    expect(doc.paths['/api/v1/audit'].get['x-roles']).toEqual(['admin']);
  });
});
