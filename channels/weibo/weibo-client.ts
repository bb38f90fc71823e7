import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ChannelError } from '../types.ts';
import { weiboError, weiboHttpError, weiboTransportError } from './errors.ts';

export const WEIBO_API = 'https://api.weibo.com';

export interface WeiboClientOptions {
  /** `https://api.weibo.com` (default) or the sandbox URL. */
  baseURL?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** Clock for quota pauses (retryAfterMs until the next hour). */
  now?: () => Date;
}

type Params = Record<string, string | number | undefined>;

/** Thin api.weibo.com client: every failure comes out as a ChannelError('weibo', …). */
export interface WeiboClient {
  /** POST form-urlencoded (UTF-8), e.g. `post('/2/statuses/share.json', {access_token, status})`. */
  post<T>(path: string, form: Params): Promise<T>;
  /** GET with query parameters, e.g. `get('/2/comments/show.json', {access_token, id, since_id})`. */
  get<T>(path: string, query: Params): Promise<T>;
}

function defined(params: Params): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined) out[key] = String(value);
  return out;
}

function retryAfterMs(header: unknown): number | undefined {
  const seconds = Number(header);
  return typeof header === 'string' && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function createWeiboClient(options: WeiboClientOptions = {}): WeiboClient {
  const now = options.now ?? (() => new Date());
  const http: AxiosInstance = axios.create({
    baseURL: options.baseURL ?? WEIBO_API,
    timeout: options.timeoutMs ?? 10_000,
    // Every status is read here: Weibo's error bodies come with 400/403 and sometimes 200.
    validateStatus: () => true,
    maxRedirects: 0,
    transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
  });

  function unwrap<T>(path: string, res: AxiosResponse<unknown>): T {
    const body = res.data;
    if (body && typeof body === 'object' && 'error_code' in body) {
      const { error_code, error, request } = body as { error_code: number | string; error?: string; request?: string };
      throw weiboError(error_code, error, request ?? path, now());
    }
    if (res.status < 200 || res.status >= 300) throw weiboHttpError(res.status, path, retryAfterMs(res.headers['retry-after']));
    if (!body || typeof body !== 'object') {
      throw new ChannelError('weibo', 'bad-response', `Weibo answered ${path} with a body that is not JSON`, 'retry');
    }
    return body as T;
  }

  async function call<T>(path: string, request: () => Promise<AxiosResponse<unknown>>): Promise<T> {
    let res: AxiosResponse<unknown>;
    try {
      res = await request();
    } catch (error) {
      // Built from the code only: axios errors carry the request config, token included.
      const code = axios.isAxiosError(error) ? (error.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
      const timedOut = code === 'ETIMEDOUT' || code === 'ECONNABORTED';
      throw weiboTransportError(timedOut ? 'timeout' : 'network', path, code);
    }
    return unwrap<T>(path, res);
  }

  return {
    post: (path, form) =>
      call(path, () =>
        http.post(path, new URLSearchParams(defined(form)).toString(), {
          headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        }),
      ),
    get: (path, query) => call(path, () => http.get(path, { params: defined(query) })),
  };
}
