import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import { ChannelError } from '../../channels/types.ts';
import { createWeiboClient, type WeiboClient } from '../../channels/weibo/weibo-client.ts';
import { createWeiboChannel } from '../../channels/weibo/weibo.channel.ts';
import { createWeiboReplier } from '../../channels/weibo/weibo-reply.ts';
import { postReplyOnce, respondRecords } from '../../core/opinion/respond/weibo-once.ts';
import { weiboReplyError, type WeiboReplyError } from '../../core/opinion/respond/weibo-outcome.ts';
import { connectTestDb } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { sampleMessage, SERVER_IP, testClock, thrown, weiboSandbox } from '../channels/weibo-helpers.ts';

const clock = testClock('2026-10-09T10:45:00+08:00');
const start = clock.now;
const TOKEN = 'sandbox-weibo-token';
const db = await connectTestDb('respond-weibo');
let sandbox: Sandbox;
let client: WeiboClient;
let statusId: string;
let commentId: string;

beforeAll(async () => {
  ({ sandbox, client } = await weiboSandbox({ weibo: { now: () => clock.now }, client: { now: () => clock.now } }));
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  clock.now = start;
  sandbox.weibo.reset();
  sandbox.outbox.clear();
  statusId = (await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage())).externalId!;
  commentId = sandbox.weibo.addComment(statusId, { text: '分配结果为什么没有公布轮候号？', user: { id: '6000000001' } });
  sandbox.outbox.clear();
});

const replier = (accessToken = TOKEN) => createWeiboReplier({ client, accessToken, rip: SERVER_IP });
const comments = async () =>
  (await client.get<{ comments: { idstr: string; text: string; user: { idstr: string } }[] }>('/2/comments/show.json', { access_token: TOKEN, id: statusId }))
    .comments;

describe('replying on Weibo through the sandbox', () => {
  it('answers a comment with comments/reply (cid, id, comment) and the sandbox records it', async () => {
    const result = await replier().reply({ statusId, commentId, text: '轮候号已在附件中公布，请查阅。' });
    expect(result).toEqual({ commentId: expect.stringMatching(/^\d+$/), statusId, replyTo: commentId });
    const [sent, ...more] = sandbox.outbox.list('weibo');
    expect(more).toEqual([]);
    expect(sent).toMatchObject({ path: '/2/comments/reply.json', body: { cid: commentId, id: statusId, comment: '轮候号已在附件中公布，请查阅。' }, externalId: result.commentId });
    expect(JSON.stringify(sent)).not.toContain(TOKEN);
    const ours = (await comments()).find((c) => c.idstr === result.commentId);
    expect(ours).toMatchObject({ text: '轮候号已在附件中公布，请查阅。', user: { idstr: '5000000001' } });
  });

  it('comments on the status itself with comments/create when no comment is named', async () => {
    const result = await replier().reply({ statusId, text: '感谢关注，本批次结果以本公示为准。' });
    expect(result.replyTo).toBeUndefined();
    expect(sandbox.outbox.list('weibo')).toEqual([
      expect.objectContaining({ path: '/2/comments/create.json', body: { id: statusId, comment: '感谢关注，本批次结果以本公示为准。', rip: SERVER_IP }, externalId: result.commentId }),
    ]);
  });

  it('sends the requesting staff member’s address as rip when given, the server’s otherwise', async () => {
    await replier().reply({ statusId, text: '已转相关科室核实。', rip: '198.51.100.77' });
    expect(sandbox.outbox.list('weibo').at(-1)?.body).toMatchObject({ rip: '198.51.100.77' });
  });

  it('fails without retry when Weibo says rip is missing (10016), naming it', async () => {
    const noRip = createWeiboReplier({ client, accessToken: TOKEN, rip: '' });
    const error = await thrown(() => noRip.reply({ statusId, text: '没有 rip 的回复。' }));
    expect(error).toMatchObject({ code: '10016', action: 'fail' });
    expect(String((error as Error).message)).toContain('(rip)');
  });

  it('refuses more than 140 characters before calling Weibo, and the sandbox refuses them too (20012)', async () => {
    const long = '回'.repeat(141);
    expect(await thrown(() => replier().reply({ statusId, text: long }))).toMatchObject({ code: 'text-too-long' });
    const raw = await thrown(() => client.post('/2/comments/create.json', { access_token: TOKEN, id: statusId, comment: long, rip: SERVER_IP }));
    expect(raw).toMatchObject({ code: '20012' });
    expect(sandbox.outbox.list('weibo')).toEqual([]);
  });
});

describe('Weibo errors → what the press officer is told', () => {
  const failure = async (run: () => Promise<unknown>) => weiboReplyError(await thrown(run), clock.now);

  it('an expired token (21327) is 503 asking for re-authorisation', async () => {
    const token = sandbox.weibo.issueToken('5000000001', { expiresInSeconds: 60 });
    clock.advance(61_000);
    const error = await failure(() => replier(token).reply({ statusId, commentId, text: '已核实。' }));
    expect(error).toMatchObject({ status: 503, code: 'weibo_token_invalid', expose: true });
    expect(error.message).toMatch(/重新授权.*21327/);
  });

  it('the comment quota (10024) is 429 saying when to retry, and the next hour accepts again', async () => {
    sandbox.weibo.setRateLimit({ commentsPerHour: 1 });
    await replier().reply({ statusId, text: '第一条回复。' });
    const error = await failure(() => replier().reply({ statusId, commentId, text: '第二条回复。' }));
    expect(error).toMatchObject({ status: 429, code: 'weibo_rate_limited' });
    // 10:45 China time: the window opens at 11:00.
    expect(error.retryAt?.toISOString()).toBe('2026-10-09T03:00:00.000Z');
    expect(error.message).toContain('11:00');
    clock.advance(15 * 60_000);
    expect((await replier().reply({ statusId, commentId, text: '第二条回复。' })).commentId).toMatch(/^\d+$/);
  });

  it('a missing status (20101) is 404 naming weibo.statusId', async () => {
    const error = await failure(() => replier().reply({ statusId: '5012345678999999', text: '已核实。' }));
    expect(error).toMatchObject({ status: 404, code: 'weibo_status_not_found', fields: [{ path: 'weibo.statusId', message: expect.any(String) }] });
  });

  it('an unknown comment (20201) is 404 naming weibo.commentId', async () => {
    const error = await failure(() => replier().reply({ statusId, commentId: '5012345678999999', text: '已核实。' }));
    expect(error).toMatchObject({ status: 404, code: 'weibo_comment_not_found', fields: [{ path: 'weibo.commentId', message: expect.any(String) }] });
  });

  it('the same text twice in a row (20019) is 409 naming text', async () => {
    await replier().reply({ statusId, text: '已核实。' });
    expect(await failure(() => replier().reply({ statusId, text: '已核实。' }))).toMatchObject({ status: 409, fields: [{ path: 'text' }] });
  });

  it('a timeout is 502 and marked as of unknown outcome', async () => {
    sandbox.weibo.fault({ path: '/2/comments/reply.json', latencyMs: 400 });
    const slow = createWeiboReplier({ client: weiboSandboxClient(100), accessToken: TOKEN, rip: SERVER_IP });
    const error = await failure(() => slow.reply({ statusId, commentId, text: '已核实。' }));
    expect(error).toMatchObject({ status: 502, code: 'weibo_outcome_unknown', outcomeUnknown: true });
  });

  it('errors that are not Weibo’s are not hidden', () => {
    const bug = new TypeError('boom');
    expect(() => weiboReplyError(bug, clock.now)).toThrow(bug);
    expect(weiboReplyError(new ChannelError('weibo', '10017', 'x', 'fail'), clock.now)).toMatchObject({ status: 502, code: 'weibo_failed' });
  });
});

/** A client that gives up before a delayed sandbox answer: the request still lands. */
function weiboSandboxClient(timeoutMs: number) {
  return createWeiboClient({ baseURL: sandbox.url, timeoutMs, now: () => clock.now });
}

describe('posting a task’s reply once', () => {
  let n = 0;
  const nextTask = () => `task:weibo-once-${++n}`;

  it('a retried or concurrent respond posts one comment and returns its result', async () => {
    const taskId = nextTask();
    const target = { statusId, commentId };
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => postReplyOnce(db, replier(), taskId, target, '轮候号已公布。', () => clock.now)),
    );
    // One request talks to Weibo. The others are told it is in flight (409) or, if they look
    // after it finished, get its result: never a second post.
    const posted = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<unknown>).value);
    expect(posted.length).toBeGreaterThanOrEqual(1);
    for (const value of posted) expect(value).toEqual(posted[0]);
    for (const r of results.filter((x) => x.status === 'rejected')) expect((r as PromiseRejectedResult).reason.status).toBe(409);
    const again = await postReplyOnce(db, replier(), taskId, target, '轮候号已公布。', () => clock.now);
    expect(again).toEqual(posted[0]);
    expect(sandbox.outbox.list('weibo')).toHaveLength(1);
  });

  it('while another request is posting, a respond is 409 and posts nothing', async () => {
    const taskId = nextTask();
    await respondRecords(db).insertOne({ _id: `respond:${taskId}:weibo`, taskId, state: 'posting', statusId, at: clock.now } as never);
    const error = await thrown<{ status: number }>(() => postReplyOnce(db, replier(), taskId, { statusId, commentId }, '已核实。', () => clock.now));
    expect(error.status).toBe(409);
    expect(sandbox.outbox.list('weibo')).toHaveLength(0);
  });

  it('a definite refusal releases the claim, so a retry after the fix posts', async () => {
    const taskId = nextTask();
    sandbox.weibo.fault({ path: '/2/comments/reply.json', errorCode: 21327 });
    const error = await thrown<WeiboReplyError>(() => postReplyOnce(db, replier(), taskId, { statusId, commentId }, '已核实。', () => clock.now));
    expect(error.status).toBe(503);
    expect(await respondRecords(db).findOne({ _id: `respond:${taskId}:weibo` })).toBeNull();
    const result = await postReplyOnce(db, replier(), taskId, { statusId, commentId }, '已核实。', () => clock.now);
    expect(sandbox.outbox.list('weibo')).toEqual([expect.objectContaining({ externalId: result.commentId })]);
  });

  it('after a lost answer a retry does not post again but says the outcome is unknown', async () => {
    const taskId = nextTask();
    sandbox.weibo.fault({ path: '/2/comments/reply.json', latencyMs: 400 });
    const slow = createWeiboReplier({ client: weiboSandboxClient(100), accessToken: TOKEN, rip: SERVER_IP });
    expect(await thrown(() => postReplyOnce(db, slow, taskId, { statusId, commentId }, '已核实。', () => clock.now))).toMatchObject({ status: 502 });
    const retry = await thrown<WeiboReplyError>(() => postReplyOnce(db, replier(), taskId, { statusId, commentId }, '已核实。', () => clock.now));
    expect(retry).toMatchObject({ status: 409, code: 'weibo_outcome_unknown' });
    // The slow request did reach Weibo: exactly one comment exists, the retry added none.
    await waitFor(async () => sandbox.outbox.list('weibo').length, (count) => count > 0);
    expect(sandbox.outbox.list('weibo')).toHaveLength(1);
  });
});
