// @vitest-environment jsdom
import { beforeEach, describe, expect, it } from 'vitest';
import 'miniprogram-simulate'; // creates the global wx the stubs go on
import { apiError, BASE_URL, FakeWx, networkError, ok, sequence } from './helpers/fake-wx.ts';
import { catalogue } from './helpers/fixtures.ts';
import { loadApiModule } from './helpers/pages.ts';

interface ApiErrorLike extends Error {
  kind: 'network' | 'http' | 'auth';
  status: number;
  code?: string;
  fields: { path: string; message: string }[];
}

const { api, ApiError } = loadApiModule<{
  api: {
    catalogue(): Promise<unknown>;
    disclosures(query: object): Promise<unknown>;
    subscriptions(): Promise<{ items: unknown[] }>;
    subscribe(input: object): Promise<unknown>;
    unsubscribe(id: string): Promise<void>;
  };
  ApiError: new (...args: never[]) => ApiErrorLike;
}>();

const SESSION = 'gongkai.session';
const future = '2099-01-01T00:00:00.000Z';
let wx: FakeWx;

function tokensSeen(path = '/api/v1/me/subscriptions') {
  return wx.requestsTo('GET', path).map((r) => r.header['Authorization']);
}

async function failure(promise: Promise<unknown>): Promise<ApiErrorLike> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiErrorLike;
}

beforeEach(() => {
  let logins = 0;
  wx = new FakeWx()
    .route('POST', '/api/v1/mp/login', () => ok({ token: `tok-${++logins}`, expiresAt: future }))
    .install();
});

describe('services/api.ts', () => {
  it('logs in once with a wx.login code and reuses the token', async () => {
    wx.route('GET', '/api/v1/me/subscriptions', ok({ items: [] }));

    await api.subscriptions();
    await api.subscriptions();

    expect(wx.requestsTo('POST', '/api/v1/mp/login').map((r) => r.data)).toEqual([{ code: 'code-1' }]);
    expect(tokensSeen()).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(wx.storage.get(SESSION)).toEqual({ token: 'tok-1', expiresAt: future });
    expect(wx.requests[1]!.url).toBe(`${BASE_URL}/api/v1/me/subscriptions`);
  });

  it('on a 401 logs in again once and repeats the call', async () => {
    wx.storage.set(SESSION, { token: 'stale', expiresAt: future });
    wx.route('GET', '/api/v1/me/subscriptions', sequence(apiError(401, 'unauthorized'), ok({ items: [{ id: 's1' }] })));

    const result = await api.subscriptions();

    expect(result.items).toEqual([{ id: 's1' }]);
    expect(wx.events).toEqual([
      'GET /api/v1/me/subscriptions',
      'wx.login',
      'POST /api/v1/mp/login',
      'GET /api/v1/me/subscriptions',
    ]);
    expect(tokensSeen()).toEqual(['Bearer stale', 'Bearer tok-1']);
    expect(wx.storage.get(SESSION)).toMatchObject({ token: 'tok-1' });
  });

  it('gives up with an error on a second 401', async () => {
    wx.storage.set(SESSION, { token: 'stale', expiresAt: future });
    wx.route('GET', '/api/v1/me/subscriptions', apiError(401, 'unauthorized'));

    const err = await failure(api.subscriptions());

    expect(err).toMatchObject({ kind: 'auth', status: 401, message: '登录失败，请稍后重试' });
    expect(tokensSeen()).toEqual(['Bearer stale', 'Bearer tok-1']);
    expect(wx.requestsTo('POST', '/api/v1/mp/login')).toHaveLength(1);
    expect(wx.storage.has(SESSION)).toBe(false);
  });

  it('logs in again when the stored token has expired', async () => {
    wx.storage.set(SESSION, { token: 'old', expiresAt: '2020-01-01T00:00:00.000Z' });
    wx.route('GET', '/api/v1/me/subscriptions', ok({ items: [] }));

    await api.subscriptions();

    expect(tokensSeen()).toEqual(['Bearer tok-1']);
  });

  it('shares one login between calls made together', async () => {
    wx.route('GET', '/api/v1/me/subscriptions', ok({ items: [] }));

    await Promise.all([api.subscriptions(), api.subscriptions(), api.subscriptions()]);

    expect(wx.requestsTo('POST', '/api/v1/mp/login')).toHaveLength(1);
    expect(tokensSeen()).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1']);
  });

  it('turns a network failure into 网络不可用，请稍后重试', async () => {
    wx.route('GET', '/api/v1/catalogue', networkError);

    const err = await failure(api.catalogue());

    expect(err).toMatchObject({ kind: 'network', status: 0, message: '网络不可用，请稍后重试' });
  });

  it('reads public endpoints without logging in', async () => {
    wx.route('GET', '/api/v1/catalogue', ok(catalogue));

    expect(await api.catalogue()).toEqual(catalogue);
    expect(wx.requests).toHaveLength(1);
    expect(wx.requests[0]!.header['Authorization']).toBeUndefined();
  });

  it('keeps the field errors of a 400 and sends JSON bodies', async () => {
    wx.route('POST', '/api/v1/me/subscriptions', apiError(400, 'validation_failed', 'bad', [{ path: 'region', message: '行政区划代码有误' }]));

    const err = await failure(api.subscribe({ region: '999999' }));

    expect(err).toMatchObject({ kind: 'http', status: 400, code: 'validation_failed', fields: [{ path: 'region', message: '行政区划代码有误' }] });
    const [req] = wx.requestsTo('POST', '/api/v1/me/subscriptions');
    expect(req!.data).toEqual({ region: '999999' });
    expect(req!.header['Content-Type']).toBe('application/json');
  });

  it('deletes with DELETE and accepts the empty 204', async () => {
    wx.route('DELETE', '/api/v1/me/subscriptions/s%2F1', { status: 204 });

    await expect(api.unsubscribe('s/1')).resolves.toBeUndefined();
    expect(wx.requestsTo('DELETE', /subscriptions/)).toHaveLength(1);
  });

  it('sends sort and facets to the list only when they are set, facets as true', async () => {
    wx.route('GET', '/api/v1/disclosures', ok({ items: [], nextCursor: null }));

    await api.disclosures({ q: '公租房', sort: 'relevance', facets: true, limit: 20 });
    await api.disclosures({ q: '公租房', facets: false, cursor: 'c2', limit: 20 });
    await api.disclosures({ limit: 20 });

    expect(wx.requestsTo('GET', '/api/v1/disclosures').map((r) => r.query)).toEqual([
      { q: '公租房', sort: 'relevance', facets: 'true', limit: '20' },
      { q: '公租房', cursor: 'c2', limit: '20' },
      { limit: '20' },
    ]);
  });
});
