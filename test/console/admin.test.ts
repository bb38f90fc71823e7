import { describe, expect, it } from 'vitest';
import { allocationResult } from '../helpers/registry.ts';
import { adminWorld } from './admin-world.ts';
import { signIn } from './staff-world.ts';

const w = await adminWorld('console_admin');
const { http, db } = w;
const admin = await w.account('hd-admin', 'bj-haidian-zjw', 'admin');
const clerk = await w.account('hd-clerk', 'bj-haidian-zjw', 'publisher');
const as = await signIn(http, admin.username, admin.password);
const pub = await signIn(http, clerk.username, clerk.password);
const session = { Cookie: as.cookie, 'X-CSRF-Token': as.csrf };
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const fieldsOf = (body: { error?: { fields?: { path: string }[] } }) => (body.error?.fields ?? []).map((f) => f.path);

const ADMIN_ENDPOINTS = [
  ['get', '/api/v1/keys'],
  ['post', '/api/v1/keys'],
  ['post', '/api/v1/keys/0123456789abcdef/revoke'],
  ['get', '/api/v1/agency/settings'],
  ['put', '/api/v1/agency/settings'],
  ['get', '/api/v1/calendar'],
  ['get', '/api/v1/channel-accounts'],
  ['get', '/api/v1/channels/check'],
] as const;

describe('administration endpoints', () => {
  it('answer 401 without a session or key, and 403 to a publisher’s session or key, changing nothing', async () => {
    for (const [method, path] of ADMIN_ENDPOINTS) {
      const body = method === 'get' ? undefined : { role: 'admin', label: '越权创建', requireReview: true };
      expect((await http()[method](path).send(body)).status, `${method} ${path}`).toBe(401);
      expect((await http()[method](path).set('Cookie', pub.cookie).set('X-CSRF-Token', pub.csrf).send(body)).status, `${method} ${path} (session)`).toBe(403);
      expect((await http()[method](path).set(w.haidianKey.auth).send(body)).status, `${method} ${path} (key)`).toBe(403);
    }
    expect(await db.collection('api_keys').countDocuments({ label: '越权创建' })).toBe(0);
    expect((await db.collection('agencies').findOne({ code: 'bj-haidian-zjw' }))?.requireReview).toBe(false);
  });

  it('an admin creates a key in the console: the secret is in that answer only, it authenticates, and the creation is audited as the staff account', async () => {
    const noCsrf = await http().post('/api/v1/keys').set('Cookie', as.cookie).send({ role: 'publisher', label: '公共资源交易平台' });
    expect(noCsrf.status).toBe(403);
    const created = await http().post('/api/v1/keys').set(session).send({ role: 'publisher', label: '公共资源交易平台' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const apiKey = created.body.apiKey as string;
    expect(apiKey).toMatch(/^gk_[0-9a-f]{16}_[0-9a-f]{64}$/);
    const keyId = apiKey.split('_')[1]!;
    const secret = apiKey.split('_')[2]!;
    expect(created.body.key).toMatchObject({ keyId, role: 'publisher', label: '公共资源交易平台', revoked: false });
    expect(Object.keys(created.body.key)).not.toContain('secretHash');

    // The key works as an integrator's key, and the list records that it was used.
    const used = await http().post('/api/v1/disclosures').set(bearer(apiKey)).send(allocationResult({ title: '交易平台推送的分配结果' }));
    expect(used.status, JSON.stringify(used.body)).toBe(201);
    const list = await http().get('/api/v1/keys').set(session);
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { keyId: string }) => k.keyId === keyId);
    expect(listed).toMatchObject({ keyId, role: 'publisher', label: '公共资源交易平台', revoked: false, createdAt: expect.any(String), lastUsedAt: expect.any(String) });
    expect(list.body.items.map((k: { keyId: string }) => k.keyId)).toEqual(expect.arrayContaining([w.haidianAdminKey.apiKey.split('_')[1], w.haidianKey.apiKey.split('_')[1]]));

    // Never again: not in the list, not in the audit log, not in the logs; only its hash is stored.
    const stored = await db.collection('api_keys').findOne({ keyId });
    const audit = await db.collection('audit').findOne({ action: 'key.create', subject: keyId });
    expect(audit).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-admin', role: 'admin', agencyCode: 'bj-haidian-zjw' }, agencyCode: 'bj-haidian-zjw', detail: { role: 'publisher' } });
    for (const text of [JSON.stringify(list.body), JSON.stringify(audit), w.logs.join('\n'), JSON.stringify(stored)]) expect(text).not.toContain(secret);
    expect(JSON.stringify(list.body)).not.toContain(stored!.secretHash);
  });

  it('refuses a bad key request with 400 naming the field', async () => {
    const noRole = await http().post('/api/v1/keys').set(session).send({ label: '没有角色' });
    expect(noRole.status).toBe(400);
    expect(fieldsOf(noRole.body)).toEqual(['role']);
    const badRole = await http().post('/api/v1/keys').set(session).send({ role: 'root', label: '未知角色' });
    expect(fieldsOf(badRole.body)).toEqual(['role']);
    const noLabel = await http().post('/api/v1/keys').set(session).send({ role: 'press', label: ' ' });
    expect(noLabel.status).toBe(400);
    expect(fieldsOf(noLabel.body)).toEqual(['label']);
    // The agency is always the admin's own: naming another is an unknown field, not a way in.
    const agency = await http().post('/api/v1/keys').set(session).send({ role: 'admin', label: '别的机关', agencyCode: 'bj-chaoyang-zjw' });
    expect(agency.status).toBe(400);
    expect(fieldsOf(agency.body)).toEqual(['agencyCode']);
    const badId = await http().post('/api/v1/keys/not-a-key/revoke').set(session);
    expect(badId.status).toBe(400);
    expect(fieldsOf(badId.body)).toEqual(['keyId']);
    expect(await db.collection('api_keys').countDocuments({ label: { $in: ['没有角色', '未知角色', '别的机关'] } })).toBe(0);
  });

  it('revokes a key (then it is 401), once (then 409); another agency’s admin neither sees nor revokes it', async () => {
    const { body } = await http().post('/api/v1/keys').set(session).send({ role: 'publisher', label: 'CMS 推送' }).expect(201);
    const apiKey = body.apiKey as string;
    const keyId = body.key.keyId as string;

    const theirs = await http().get('/api/v1/keys').set(w.chaoyangAdminKey.auth);
    expect(theirs.status).toBe(200);
    expect(theirs.body.items.map((k: { keyId: string }) => k.keyId)).toEqual([w.chaoyangAdminKey.apiKey.split('_')[1]]);
    const cross = await http().post(`/api/v1/keys/${keyId}/revoke`).set(w.chaoyangAdminKey.auth);
    expect(cross.status, w.logs.filter((l) => l.includes('"level":50')).join('\n')).toBe(404);
    expect((await http().get('/api/v1/agency/disclosures').set(bearer(apiKey))).status).toBe(200);

    const revoked = await http().post(`/api/v1/keys/${keyId}/revoke`).set(session);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.key).toMatchObject({ keyId, revoked: true, revokedAt: expect.any(String) });
    const refused = await http().get('/api/v1/agency/disclosures').set(bearer(apiKey));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toBe('API key revoked');
    expect((await http().post(`/api/v1/keys/${keyId}/revoke`).set(session)).status).toBe(409);
    expect(await db.collection('audit').findOne({ action: 'key.revoke', subject: keyId })).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-admin' }, agencyCode: 'bj-haidian-zjw' });
    const list = await http().get('/api/v1/keys').set(session);
    expect(list.body.items.find((k: { keyId: string }) => k.keyId === keyId)).toMatchObject({ revoked: true });
  });

  it('shows and changes review before publication (先审后发) for the admin’s own agency only, audited; a publisher’s publish then waits', async () => {
    const before = await http().get('/api/v1/agency/settings').set(session);
    expect(before.body).toEqual({ code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', requireReview: false });
    const missing = await http().put('/api/v1/agency/settings').set(session).send({});
    expect(missing.status).toBe(400);
    expect(fieldsOf(missing.body)).toEqual(['requireReview']);
    const wrongType = await http().put('/api/v1/agency/settings').set(session).send({ requireReview: 'yes' });
    expect(fieldsOf(wrongType.body)).toEqual(['requireReview']);

    const on = await http().put('/api/v1/agency/settings').set(session).send({ requireReview: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body).toMatchObject({ code: 'bj-haidian-zjw', requireReview: true });
    expect(await db.collection('audit').findOne({ action: 'agency.update', subject: 'bj-haidian-zjw' })).toMatchObject({
      actor: { kind: 'staff', keyId: 'staff:hd-admin', role: 'admin' },
      detail: { before: { requireReview: false }, after: { requireReview: true } },
    });
    const draft = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(allocationResult({ title: '先审后发的分配结果' })).expect(201);
    expect((await http().post(`/api/v1/disclosures/${draft.body.id}/publish`).set(w.haidianKey.auth)).status).toBe(202);

    const chaoyang = await http().get('/api/v1/agency/settings').set(w.chaoyangAdminKey.auth);
    expect(chaoyang.body).toMatchObject({ code: 'bj-chaoyang-zjw', requireReview: false });
    const off = await http().put('/api/v1/agency/settings').set(session).send({ requireReview: false });
    expect(off.body.requireReview).toBe(false);
    expect((await db.collection('agencies').findOne({ code: 'bj-chaoyang-zjw' }))?.requireReview).toBe(false);
  });

  it('lists the calendar years and names this year’s or next year’s missing arrangement until it is loaded', async () => {
    const before = await http().get('/api/v1/calendar').set(session);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ today: '2026-10-09', thisYear: 2026, lastKnownYear: 2026, missingYears: [2027] });
    expect(before.body.years.find((y: { year: number }) => y.year === 2026)).toEqual({ year: 2026, origin: 'package' });

    await w.services.calendar.saveYear({ year: 2027, holidays: ['2027-01-01', '2027-10-01'], workdays: [], source: '国办发明电〔2026〕9号', loadedBy: 'ops-wang' });
    const after = await http().get('/api/v1/calendar').set(session);
    expect(after.body).toMatchObject({ lastKnownYear: 2027, missingYears: [] });
    expect(after.body.years.at(-1)).toMatchObject({ year: 2027, origin: 'loaded', source: '国办发明电〔2026〕9号', loadedBy: 'ops-wang', loadedAt: expect.any(String) });
  });

  it('lists the agency’s channel accounts with which secrets are set (never their values) and what live lacks; the template check answers', async () => {
    const SECRET = 'haidian-webhook-signing-secret-0001';
    const saved = await http().post('/api/v1/channel-accounts').set(session).send({ channel: 'webhook', id: 'haidian-cms', mode: 'sandbox', secrets: { secret: SECRET } });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await http().post('/api/v1/channel-accounts').set(w.chaoyangAdminKey.auth).send({ channel: 'weibo', id: 'chaoyang-weibo', mode: 'off' }).expect(200);

    const list = await http().get('/api/v1/channel-accounts').set(session);
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ channel: 'webhook', id: 'haidian-cms', owner: 'bj-haidian-zjw', mode: 'sandbox', secrets: { secret: 'set' }, missingForLive: ['urls'] }),
    ]);
    expect(JSON.stringify(list.body) + w.logs.join('\n')).not.toContain(SECRET);
    const theirs = await http().get('/api/v1/channel-accounts').set(w.chaoyangAdminKey.auth);
    expect(theirs.body.items.map((a: { id: string }) => a.id)).toEqual(['chaoyang-weibo']);

    const check = await http().get('/api/v1/channels/check').set(session);
    expect(check.status).toBe(200);
    expect(check.body.ok).toBe(false);
    expect(check.body.accounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ channel: 'wechat-oa', found: true, missingInTemplate: [], unmapped: [], ok: true }),
        expect.objectContaining({ channel: 'wechat-mp', found: true, missingInTemplate: ['thing4'], ok: false }),
      ]),
    );
  });
});
