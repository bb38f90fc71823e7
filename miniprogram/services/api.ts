/**
 * The gongkai API client: the only caller of wx.request in the mini-program.
 *
 * Authenticated calls carry `Authorization: Bearer <token>`; the token comes from
 * `POST /api/v1/mp/login {code}` with a code from wx.login() and is kept in storage. A 401 means
 * the token is no longer accepted: log in again once and repeat the call; a second 401 is an error.
 */
import { config } from './config';
import type {
  Agency,
  Catalogue,
  ConsentResult,
  Disclosure,
  DisclosurePage,
  FieldError,
  ListQuery,
  MpConfig,
  RequestInput,
  RequestLine,
  RequestView,
  Session,
  Subscription,
  SubscriptionInput,
} from './types';

export const NETWORK_MESSAGE = '网络不可用，请稍后重试';
const SESSION_KEY = 'gongkai.session';
/** A token this close to its expiry is treated as expired, so it never lapses mid-call. */
const EXPIRY_MARGIN_MS = 60 * 1000;

export type ApiErrorKind = 'network' | 'http' | 'auth';

/** Every failure the pages see: `message` is Chinese and fit to show to the resident. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The Chinese message for an error of any kind (unexpected ones included). */
export function errorMessage(err: unknown): string {
  return err instanceof ApiError ? err.message : '出现了问题，请稍后重试';
}

type Method = 'GET' | 'POST' | 'DELETE';

interface SendOptions {
  query?: object;
  body?: object;
  token?: string;
}

function statusMessage(status: number): string {
  if (status === 400) return '提交的内容有误，请检查后重试';
  if (status === 401) return '登录已失效，请稍后重试';
  if (status === 403) return '没有权限进行此操作';
  if (status === 404) return '未找到相关信息，可能已被删除';
  if (status === 409) return '内容已存在';
  if (status === 429) return '操作太频繁，请稍后重试';
  return '服务暂时不可用，请稍后重试';
}

function queryString(query: object | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function send<T>(method: Method, path: string, options: SendOptions = {}): Promise<T> {
  const header: Record<string, string> = { Accept: 'application/json' };
  if (options.body) header['Content-Type'] = 'application/json';
  if (options.token) header['Authorization'] = `Bearer ${options.token}`;
  return new Promise<T>((resolve, reject) => {
    wx.request({
      url: `${config.baseUrl}${path}${queryString(options.query)}`,
      method,
      header,
      timeout: config.timeoutMs,
      ...(options.body ? { data: options.body as WechatMiniprogram.IAnyObject } : {}),
      success(res) {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          resolve((res.statusCode === 204 ? undefined : res.data) as T);
          return;
        }
        const body = (res.data ?? {}) as { error?: { code?: string; message?: string; fields?: FieldError[] } };
        const error = body.error ?? {};
        reject(new ApiError('http', res.statusCode, statusMessage(res.statusCode), error.code, error.fields ?? []));
      },
      fail() {
        reject(new ApiError('network', 0, NETWORK_MESSAGE));
      },
    });
  });
}

function storedToken(): string | undefined {
  const session = wx.getStorageSync(SESSION_KEY) as Session | '' | undefined;
  if (!session || !session.token) return undefined;
  const expires = Date.parse(session.expiresAt);
  if (Number.isFinite(expires) && expires - EXPIRY_MARGIN_MS <= Date.now()) return undefined;
  return session.token;
}

function wxLoginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new ApiError('auth', 0, '微信登录失败，请稍后重试'))),
      fail: () => reject(new ApiError('auth', 0, '微信登录失败，请稍后重试')),
    });
  });
}

let loggingIn: Promise<string> | undefined;

/** Logs in with a fresh wx.login code; concurrent callers share one login. */
function login(): Promise<string> {
  if (loggingIn) return loggingIn;
  loggingIn = (async () => {
    try {
      const code = await wxLoginCode();
      const session = await send<Session>('POST', '/api/v1/mp/login', { body: { code } });
      wx.setStorageSync(SESSION_KEY, session);
      return session.token;
    } finally {
      loggingIn = undefined;
    }
  })();
  return loggingIn;
}

async function authed<T>(method: Method, path: string, options: SendOptions = {}): Promise<T> {
  const first = storedToken() ?? (await login());
  try {
    return await send<T>(method, path, { ...options, token: first });
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
  }
  wx.removeStorageSync(SESSION_KEY);
  const second = await login();
  try {
    return await send<T>(method, path, { ...options, token: second });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      wx.removeStorageSync(SESSION_KEY);
      throw new ApiError('auth', 401, '登录失败，请稍后重试');
    }
    throw err;
  }
}

/** The list's query string: `facets` only as `true` (no flag is no facets), the rest as given. */
function listParams(query: ListQuery): object {
  const { facets, ...rest } = query;
  return facets ? { ...rest, facets: 'true' } : rest;
}

export const api = {
  mpConfig: () => send<MpConfig>('GET', '/api/v1/mp/config'),
  catalogue: () => send<Catalogue>('GET', '/api/v1/catalogue'),
  agencies: (region?: string) => send<{ items: Agency[] }>('GET', '/api/v1/agencies', { query: { region } }),
  disclosures: (query: ListQuery) => send<DisclosurePage>('GET', '/api/v1/disclosures', { query: listParams(query) }),
  disclosure: (id: string) => send<Disclosure>('GET', `/api/v1/disclosures/${encodeURIComponent(id)}`),
  subscriptions: () => authed<{ items: Subscription[] }>('GET', '/api/v1/me/subscriptions'),
  subscribe: (input: SubscriptionInput) => authed<Subscription>('POST', '/api/v1/me/subscriptions', { body: input }),
  unsubscribe: (id: string) => authed<void>('DELETE', `/api/v1/me/subscriptions/${encodeURIComponent(id)}`),
  reportConsents: (results: Record<string, ConsentResult>) =>
    authed<unknown>('POST', '/api/v1/me/consents', { body: { results } }),
  myRequests: () => authed<{ items: RequestLine[] }>('GET', '/api/v1/me/requests'),
  myRequest: (receipt: string) => authed<RequestView>('GET', `/api/v1/me/requests/${encodeURIComponent(receipt)}`),
  submitRequest: (input: RequestInput) => authed<{ receiptNumber: string; accessCode: string }>('POST', '/api/v1/me/requests', { body: input }),
};
