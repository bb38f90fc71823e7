import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { createWeiboClient } from '../../channels/weibo/weibo-client.ts';
import { createWeiboReplier } from '../../channels/weibo/weibo-reply.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { openTask } from '../../core/opinion/tasks.ts';
import { fanOutWorld, WEIBO_SERVER_IP } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

// Real parts: the sandbox's Weibo over HTTP, the fan-out on a job queue, FerretDB.
const world = await fanOutWorld('opinion_respond');
const { db, sandbox, services } = world;
const weiboReplier = createWeiboReplier({ client: createWeiboClient({ baseURL: sandbox.url, timeoutMs: 5_000 }), accessToken: SANDBOX_APPS.weiboToken, rip: WEIBO_SERVER_IP });
const app = createApp({ logger: captureLogs('warn').logger, db, queue: world.queue, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL, weiboReplier, trustProxy: true }).callback();
const http = () => request(app);

const publisher = await agencyWithKey(db, 'bj-haidian-zjw');
const press = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const otherPublisher = await agencyWithKey(db, 'bj-chaoyang-zjw');
const otherPress = await agencyWithKey(db, 'bj-chaoyang-zjw', 'press');

let n = 0;
/** A published disclosure whose Weibo post has gone out through the fan-out. */
async function postedOnWeibo(auth: Record<string, string>) {
  n += 1;
  const created = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title: `2026年第${n}批公共租赁住房分配结果公示` }));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  await http().post(`/api/v1/disclosures/${id}/publish`).set(auth).expect(200);
  const delivery = await waitFor(
    () => db.collection('deliveries').findOne({ disclosureId: id, channel: 'weibo' }),
    (d) => d?.state === 'sent',
  );
  return { id, statusId: delivery!.externalId as string };
}

// One post per agency, shared: each test opens its own task about it.
const ours = await postedOnWeibo(publisher.auth);
const theirs = await postedOnWeibo(otherPublisher.auth);

/** A task about the agency's shared post, or (`disclosureId: null`) about the agency in general. */
async function newTask(agencyCode = 'bj-haidian-zjw', disclosureId: string | null = agencyCode === 'bj-haidian-zjw' ? ours.id : theirs.id) {
  const task = await openTask(db, { agencyCode, ...(disclosureId ? { disclosureId } : {}), level: 'normal', owner: '新闻发言人', by: 'test' });
  return task._id;
}

/** The press officer's address, as the reverse proxy reports it: Weibo's `rip` for their replies. */
const STAFF_IP = '198.51.100.23';
const respond = (taskId: string, body: unknown, auth: Record<string, string> = press.auth) =>
  http().post(`/api/v1/opinion/tasks/${encodeURIComponent(taskId)}/respond`).set(auth).set('X-Forwarded-For', STAFF_IP).send(body as object);
const replies = () => sandbox.outbox.list('weibo').filter((e) => e.path.startsWith('/2/comments/'));

describe('POST /api/v1/opinion/tasks/:id/respond', () => {
  it('replies to the comment on Weibo, publishes a linked 回应 item that fans out, and records the response', async () => {
    const { id, statusId } = ours;
    const taskId = await newTask();
    const commentId = sandbox.weibo.addComment(statusId, { text: '为什么我的申请没有出现在结果里？' });
    const before = replies().length;
    const res = await respond(taskId, { text: '未列入名单的申请仍在审核中，结果将另行公示。', weibo: { commentId }, publishItem: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ taskId, status: 'responded', replayed: false, weibo: { statusId, replyTo: commentId }, item: { status: 'published' } });

    // On Weibo: one reply to that comment under our status.
    expect(replies().slice(before)).toEqual([
      expect.objectContaining({ path: '/2/comments/reply.json', body: { cid: commentId, id: statusId, comment: '未列入名单的申请仍在审核中，结果将另行公示。', rip: STAFF_IP }, externalId: res.body.weibo.commentId }),
    ]);
    // On the task, as core/opinion/tasks.ts recorded it.
    const task = await responseTaskCollection(db).findOne({ _id: taskId });
    expect(task).toMatchObject({ status: 'responded', response: { text: '未列入名单的申请仍在审核中，结果将另行公示。', weiboCommentId: res.body.weibo.commentId, disclosureId: res.body.item.id } });
    // Linked under the public original, and public itself.
    const listed = await http().get(`/api/v1/disclosures/${id}/responses`).expect(200);
    expect(listed.body.items.map((i: { id: string }) => i.id)).toEqual([res.body.item.id]);
    const item = await http().get(`/api/v1/disclosures/${res.body.item.id}`).expect(200);
    expect(item.body).toMatchObject({ itemType: 'response', itemTypeName: '回应', current: { content: { respondsTo: id } } });
    // Fanned out like any disclosure: its own Weibo post went out through the engine.
    const shared = await waitFor(
      async () => sandbox.outbox.list('weibo').filter((e) => e.path === '/2/statuses/share.json' && String((e.body as { status: string }).status).includes(res.body.item.id)),
      (found) => found.length > 0,
    );
    expect(shared).toHaveLength(1);
    // An automatic post carries the configured server address.
    expect(shared[0]!.body).toMatchObject({ rip: WEIBO_SERVER_IP });
  });

  it('a retried respond returns the first result and posts nothing twice; a different answer is 409', async () => {
    const taskId = await newTask();
    const body = { text: '感谢关注，分配过程全程公证。', weibo: {}, publishItem: true };
    const first = await respond(taskId, body).expect(200);
    const before = replies().length;
    const items = await db.collection('disclosures').countDocuments({ itemType: 'response' });
    const again = await respond(taskId, body).expect(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(first.body.weibo.replyTo).toBeUndefined();
    expect(replies().length).toBe(before);
    expect(await db.collection('disclosures').countDocuments({ itemType: 'response' })).toBe(items);
    const other = await respond(taskId, { ...body, text: '另一份回应。' });
    expect(other.status).toBe(409);
    expect(other.body.error.fields).toEqual([{ path: 'text', message: expect.any(String) }]);
  });

  it('after a Weibo refusal (quota) the item is not published twice and the retry finishes the job', async () => {
    const taskId = await newTask();
    sandbox.weibo.fault({ path: '/2/comments/create.json', errorCode: 10023 });
    const body = { text: '我们已注意到相关意见，正在核查。', weibo: {}, publishItem: true };
    const limited = await respond(taskId, body);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.error).toMatchObject({ code: 'weibo_rate_limited', message: expect.stringMatching(/北京时间 \d\d:00 后重试/) });
    expect((await responseTaskCollection(db).findOne({ _id: taskId }))?.status).toBe('open');
    const done = await respond(taskId, body).expect(200);
    expect(done.body.status).toBe('responded');
    expect(await db.collection('disclosures').countDocuments({ idempotencyKey: `bj-haidian-zjw:respond-${taskId}` })).toBe(1);
    expect(replies().filter((e) => e.externalId === done.body.weibo.commentId)).toHaveLength(1);
  });

  it('an expired Weibo token is 503 in Chinese, a missing status 404 naming weibo.statusId', async () => {
    const taskId = await newTask();
    sandbox.weibo.fault({ path: '/2/comments/create.json', errorCode: 21327 });
    const expired = await respond(taskId, { text: '已核实。', weibo: {} });
    expect(expired.status).toBe(503);
    expect(expired.body.error.message).toContain('重新授权');
    const missing = await respond(taskId, { text: '已核实。', weibo: { statusId: '5012345678999999' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.fields).toEqual([{ path: 'weibo.statusId', message: expect.any(String) }]);
    const ok = await respond(taskId, { text: '已核实。', weibo: {} }).expect(200);
    expect(ok.body.weibo.commentId).toMatch(/^\d+$/);
  });

  it('refuses another agency’s Weibo status and task, and a comment not under the status', async () => {
    const mine = await newTask();
    const theirTask = await newTask('bj-chaoyang-zjw');
    const before = replies().length;
    const status = await respond(mine, { text: '越权回复。', weibo: { statusId: theirs.statusId } });
    expect(status.status).toBe(404);
    expect(status.body.error.fields).toEqual([{ path: 'weibo.statusId', message: expect.any(String) }]);
    expect((await respond(theirTask, { text: '越权回应。', publishItem: true })).status).toBe(404);
    const unknownComment = await respond(mine, { text: '已核实。', weibo: { commentId: '5012345678999999' } });
    expect(unknownComment.status).toBe(404);
    expect(unknownComment.body.error.fields).toEqual([{ path: 'weibo.commentId', message: expect.any(String) }]);
    expect(replies().length).toBe(before);
  });

  it('names the field of a bad body, and posts nothing', async () => {
    const taskId = await newTask();
    const before = sandbox.outbox.list('weibo').length;
    const cases: [unknown, string][] = [
      [{ text: '没有渠道。' }, 'publishItem'],
      [{ text: '回'.repeat(141), weibo: {} }, 'text'],
      [{ text: '已核实。', weibo: { statusId: 'abc' } }, 'weibo.statusId'],
      [{ text: '已核实。', publishItem: true, extra: 1 }, 'extra'],
      [{ publishItem: true }, 'text'],
    ];
    for (const [body, field] of cases) {
      const res = await respond(taskId, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
    }
    expect(sandbox.outbox.list('weibo').length).toBe(before);
    expect((await responseTaskCollection(db).findOne({ _id: taskId }))?.status).toBe('open');
  });

  it('answers 401 without a key and 403 for a publisher key; 404 for another agency’s press key', async () => {
    const taskId = await newTask();
    const body = { text: '已核实。', publishItem: true };
    expect((await http().post(`/api/v1/opinion/tasks/${taskId}/respond`).send(body)).status).toBe(401);
    expect((await respond(taskId, body, publisher.auth)).status).toBe(403);
    expect((await respond(taskId, body, otherPress.auth)).status).toBe(404);
    expect((await responseTaskCollection(db).findOne({ _id: taskId }))?.status).toBe('open');
  });

  it('without a Weibo post or a disclosure, says which field is missing', async () => {
    const bare = await newTask('bj-haidian-zjw', null);
    const noStatus = await respond(bare, { text: '已核实。', weibo: {} });
    expect(noStatus.status).toBe(400);
    expect(noStatus.body.error.fields).toEqual([{ path: 'weibo.statusId', message: expect.any(String) }]);
    const noItem = await respond(bare, { text: '已核实。', publishItem: true });
    expect(noItem.status).toBe(400);
    expect(noItem.body.error.fields).toEqual([{ path: 'publishItem', message: expect.any(String) }]);
  });

  it('lists no responses for a disclosure that is not public', async () => {
    expect((await http().get(`/api/v1/disclosures/${'0'.repeat(24)}/responses`)).status).toBe(404);
  });
});

describe('a 回应 item made through POST /api/v1/disclosures', () => {
  const responseItem = (respondsTo: string) => ({
    field: 'housing',
    itemType: 'response',
    title: '关于分配结果的回应',
    region: '110108',
    formedAt: '2026-11-20',
    basis: 'produce',
    content: { respondsTo, text: '经核查，分配过程全程公证。' },
    attachments: [],
    withheld: [],
  });

  it('must answer a public item of the same agency: another agency’s is a 400 naming content.respondsTo', async () => {
    const refused = await http().post('/api/v1/disclosures').set(publisher.auth).send(responseItem(theirs.id));
    expect(refused.status).toBe(400);
    expect(refused.body.error.fields).toEqual([expect.objectContaining({ path: 'content.respondsTo' })]);
    const unknown = await http().post('/api/v1/disclosures').set(publisher.auth).send(responseItem('0123456789abcdef01234567'));
    expect(unknown.status).toBe(400);
    const accepted = await http().post('/api/v1/disclosures').set(publisher.auth).send(responseItem(ours.id));
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
  });
});
