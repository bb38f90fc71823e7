import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import { ChannelError } from '../../channels/types.ts';
import { classifyWeiboCode, untilNextHour, weiboError } from '../../channels/weibo/errors.ts';
import { createWeiboClient, type WeiboClient } from '../../channels/weibo/weibo-client.ts';
import { createWeiboChannel } from '../../channels/weibo/weibo.channel.ts';
import { sampleMessage, testClock, thrown, weiboSandbox, SERVER_IP } from './weibo-helpers.ts';

const clock = testClock('2026-10-09T10:45:00+08:00');
const start = clock.now;
let sandbox: Sandbox;
let client: WeiboClient;
const TOKEN = 'sandbox-weibo-token';

beforeAll(async () => {
  ({ sandbox, client } = await weiboSandbox({ weibo: { now: () => clock.now }, client: { now: () => clock.now } }));
});
afterAll(() => sandbox.close());
beforeEach(() => {
  clock.now = start;
  sandbox.weibo.reset();
  sandbox.outbox.clear();
});

const send = (accessToken = TOKEN, n = 1) =>
  thrown<ChannelError>(() => createWeiboChannel({ client, accessToken, rip: SERVER_IP }).send(sampleMessage({ disclosureId: `d${n}`, title: `公示${n}` })));

describe('Weibo errors from the sandbox → ChannelError', () => {
  it('an expired token fails (21327) and tells a human to re-authorise', async () => {
    const token = sandbox.weibo.issueToken('5000000002', { expiresInSeconds: 60 });
    expect(await createWeiboChannel({ client, accessToken: token, rip: SERVER_IP }).send(sampleMessage())).toHaveProperty('externalId');
    clock.advance(61_000);
    const error = await send(token, 2);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: 'weibo', code: '21327', action: 'fail', retryable: false });
    expect(error.message).toMatch(/re-authorise/);
  });

  it('an unknown token (21332) and a revoked one (21316) fail the same way', async () => {
    expect(await send('2.00not-a-token')).toMatchObject({ code: '21332', action: 'fail' });
    const token = sandbox.weibo.issueToken('5000000003');
    sandbox.weibo.revokeToken(token);
    expect(await send(token)).toMatchObject({ code: '21316', action: 'fail' });
    expect(sandbox.outbox.list('weibo')).toEqual([]);
  });

  it('the user hourly quota (10023) pauses the channel until the next hour', async () => {
    sandbox.weibo.setRateLimit({ callsPerHour: 1 });
    await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage());
    const error = await send(TOKEN, 2);
    expect(error).toMatchObject({ code: '10023', action: 'pause-channel', retryable: true, retryAfterMs: 15 * 60_000 });
  });

  it('the posting quota (10024) pauses too, and the next hour accepts again', async () => {
    sandbox.weibo.setRateLimit({ postsPerHour: 1 });
    await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage());
    const error = await send(TOKEN, 2);
    expect(error).toMatchObject({ code: '10024', action: 'pause-channel', retryAfterMs: 15 * 60_000 });
    clock.advance(error.retryAfterMs ?? 0);
    const later = await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage({ disclosureId: 'd2', title: '公示2' }));
    expect(later.externalId).toMatch(/^\d+$/);
  });

  it('HTTP 503 without a Weibo body → retry; the fault is used up after its count', async () => {
    sandbox.weibo.fault({ http: 503, count: 2 });
    expect(await send(TOKEN, 1)).toMatchObject({ code: 'http-503', action: 'retry' });
    expect(await send(TOKEN, 2)).toMatchObject({ code: 'http-503', action: 'retry' });
    expect(await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage())).toHaveProperty('externalId');
  });

  it('system errors (10001) → retry', async () => {
    sandbox.weibo.fault({ path: '/2/statuses/share.json', errorCode: 10001 });
    expect(await send()).toMatchObject({ code: '10001', action: 'retry' });
  });

  it('a link outside the safe domain → 10017 fail', async () => {
    sandbox.weibo.setSafeDomain('gongkai.example.gov.cn');
    const error = await send();
    expect(error).toMatchObject({ code: '10017', action: 'fail' });
    expect(error.message).toContain('text not find domain!');
    const ok = createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP });
    const result = await ok.send(sampleMessage({ url: 'https://www.gongkai.example.gov.cn/disclosures/1' }));
    expect(result).toHaveProperty('externalId');
  });

  it('a status the sandbox finds too long → 20012 fail', async () => {
    const channel = createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP, maxLength: 200 });
    const error = await thrown(() => channel.send(sampleMessage({ title: '长'.repeat(200) })));
    expect(error).toMatchObject({ code: '20012', action: 'fail' });
  });

  it('connection refused → network retry', async () => {
    const dead = createWeiboClient({ baseURL: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    const error = await thrown(() => createWeiboChannel({ client: dead, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage()));
    expect(error).toMatchObject({ code: 'network', action: 'retry' });
    expect((error as Error).message).not.toContain(TOKEN);
  });
});

describe('Weibo error table (reference notes §5)', () => {
  it.each([
    [10002, 'retry'],
    [23201, 'retry'],
    [10022, 'wait'],
    [20016, 'slow-down'],
    [21301, 'reauth'],
    [10006, 'reauth'],
    [20019, 'duplicate'],
    [20111, 'duplicate'],
    [20017, 'similar'],
    [20032, 'accepted'],
    [20018, 'fail'],
    [10014, 'fail'],
    [99999, 'fail'],
  ])('%i → %s', (code, cls) => expect(classifyWeiboCode(code)).toBe(cls));

  it('accepts string codes (old docs) and never pauses for less than a minute', () => {
    const now = new Date('2026-10-09T10:59:30+08:00');
    expect(weiboError('21327', 'expired_token', '/2/statuses/share.json', now)).toMatchObject({ code: '21327', action: 'fail' });
    expect(weiboError(10022, 'IP requests out of rate limit!', '/2/x.json', now)).toMatchObject({ action: 'pause-channel', retryAfterMs: 60_000 });
    expect(untilNextHour(new Date('2026-10-09T10:00:00+08:00'))).toBe(3600_000);
    expect(weiboError(20016, 'too frequent', '/2/x.json', now).retryAfterMs).toBe(10 * 60_000);
  });
});
