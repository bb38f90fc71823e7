import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import { testClock, weiboSandbox } from './weibo-helpers.ts';

const clock = testClock('2026-10-09T10:45:00+08:00');
let sandbox: Sandbox;
const TOKEN = 'sandbox-weibo-token';

beforeAll(async () => {
  ({ sandbox } = await weiboSandbox({ weibo: { now: () => clock.now, errorStatus: 403 } }));
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.weibo.reset();
  sandbox.outbox.clear();
});

async function call(method: string, path: string, body?: Record<string, unknown>, form = false) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: body ? { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' } : {},
    ...(body ? { body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const share = (status: string, token = TOKEN) => call('POST', '/2/statuses/share.json', { access_token: token, status, rip: '203.0.113.7' }, true);

describe('Weibo sandbox API', () => {
  it('requires rip on statuses/share, comments/create and comments/reply: 10016 naming it when missing, 10017 when not an address', async () => {
    const posted = await share('要 rip http://127.0.0.1/d/rip');
    expect(posted.status).toBe(200);
    const id = String(posted.body.idstr);
    const withoutRip = [
      ['/2/statuses/share.json', { access_token: TOKEN, status: '无 rip http://127.0.0.1/d/rip2' }],
      ['/2/comments/create.json', { access_token: TOKEN, id, comment: '评论' }],
      ['/2/comments/reply.json', { access_token: TOKEN, id, cid: '1', comment: '回复' }],
    ] as const;
    for (const [path, form] of withoutRip) {
      const res = await call('POST', path, form, true);
      expect(res.body, path).toMatchObject({ error_code: 10016, error: 'miss required parameter (rip), see doc for more info.', request: path });
      const bad = await call('POST', path, { ...form, rip: 'localhost' }, true);
      expect(bad.body.error_code, path).toBe(10017);
      expect(String(bad.body.error)).toMatch(/^parameter \(rip\)'s value invalid/);
    }
    // Nothing was posted by the refused calls.
    expect(sandbox.outbox.list('weibo').filter((e) => e.path !== '/2/statuses/share.json' || (e.body as { rip?: string }).rip !== '203.0.113.7')).toEqual([]);
  });

  it('answers a share with a Status: int64 id as number and string, Weibo date, the user', async () => {
    const { status, body } = await share('公示 http://127.0.0.1/d/1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ created_at: 'Fri Oct 09 10:45:00 +0800 2026', text: '公示 http://127.0.0.1/d/1', user: { idstr: '5000000001' } });
    expect(String(body.id)).toBe(body.idstr);
    expect(body.mid).toBe(body.idstr);
  });

  it('checks parameters in Weibo order, with error JSON and the configured HTTP status', async () => {
    expect(await call('POST', '/2/statuses/share.json', { status: 'x http://127.0.0.1/' }, true)).toEqual({
      status: 403,
      body: { error: 'auth faild!', error_code: 21301, request: '/2/statuses/share.json' },
    });
    expect((await call('POST', '/2/statuses/share.json', { access_token: TOKEN }, true)).body.error_code).toBe(10016);
    expect((await share('  ')).body.error_code).toBe(20008);
    expect((await share('#保障房# http://127.0.0.1/d/1')).body.error_code).toBe(10017);
    expect((await share(`${'字'.repeat(130)} http://127.0.0.1/d/1`)).body.error_code).toBe(20012);
    expect((await share('没有链接')).body).toMatchObject({ error_code: 10017, error: 'text not find domain!' });
    expect((await share('冒充 http://127.0.0.1.evil.example/d/1')).body.error_code).toBe(10017);
    expect(sandbox.outbox.list('weibo')).toEqual([]);
  });

  it('accepts the token as an OAuth2 header and lists only our own timeline', async () => {
    await share('一 http://localhost/d/1');
    const res = await fetch(`${sandbox.url}/2/statuses/user_timeline.json`, { headers: { authorization: `OAuth2 ${TOKEN}` } });
    const body = (await res.json()) as { statuses: { text: string }[]; total_number: number };
    expect(body.statuses.map((s) => s.text)).toEqual(['一 http://localhost/d/1']);
    const other = await call('GET', `/2/statuses/user_timeline.json?access_token=${TOKEN}&uid=1234`);
    expect(other.body.error_code).toBe(21335);
  });

  it('reports its hourly quotas like account/rate_limit_status', async () => {
    sandbox.weibo.setRateLimit({ callsPerHour: 10, postsPerHour: 3 });
    await share('一 http://localhost/d/1');
    const { body } = await call('GET', `/2/account/rate_limit_status.json?access_token=${TOKEN}`);
    expect(body).toMatchObject({
      limit_time_unit: 'HOURS',
      user_limit: 10,
      remaining_user_hits: 8,
      reset_time: '2026-10-09 11:00:00',
      reset_time_in_seconds: 900,
      api_rate_limits: [{ api: 'statuses/share', limit: 3, remaining_hits: 2 }],
    });
  });
});

describe('Weibo sandbox admin routes (curl)', () => {
  it('issues tokens, scripts faults, adds comments and resets', async () => {
    const issued = await call('POST', '/sandbox/admin/weibo/tokens', { uid: '5000000077', expiresInSeconds: 3600 });
    expect(issued.body).toMatchObject({ expires_in: 3600, uid: '5000000077' });
    const posted = await share('二 http://127.0.0.1/d/2', String(issued.body.access_token));
    expect(posted.body).toMatchObject({ user: { idstr: '5000000077' } });

    const id = String(posted.body.idstr);
    const added = await call('POST', `/sandbox/admin/weibo/statuses/${id}/comments`, { text: '好', user: { id: '6000000001' } });
    expect(added.body.idstr).toMatch(/^\d+$/);
    expect((await call('POST', '/sandbox/admin/weibo/statuses/1/reposts', { text: '转' })).status).toBe(404);

    expect((await call('POST', '/sandbox/admin/weibo/faults', { path: '/2/statuses/share.json', errorCode: 10023, count: 1 })).status).toBe(200);
    expect((await share('三 http://127.0.0.1/d/3')).body.error_code).toBe(10023);
    expect((await share('三 http://127.0.0.1/d/3')).status).toBe(200);

    expect((await call('PUT', '/sandbox/admin/weibo/safe-domain', { domain: ['gov.cn'] })).status).toBe(200);
    expect((await share('四 http://127.0.0.1/d/4')).body.error_code).toBe(10017);
    expect((await call('POST', '/sandbox/admin/weibo/faults', { http: 200 })).status).toBe(400);

    const listed = await call('GET', '/sandbox/admin/weibo/statuses');
    expect(listed.body.items).toHaveLength(2);
    await call('POST', '/sandbox/admin/weibo/reset');
    expect((await call('GET', '/sandbox/admin/weibo/statuses')).body.items).toEqual([]);
    expect((await share('四 http://127.0.0.1/d/4')).status).toBe(200);
  });
});
