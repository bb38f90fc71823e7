/**
 * `wx` stubbed at the boundary only: a wx.request that routes by method and path to canned API
 * answers and records every request, wx.login codes, in-memory storage, chosen
 * requestSubscribeMessage results and wx.showModal answers. Everything else the pages call is
 * recorded in `calls`; `events` keeps requests and popups in the order they happened.
 */

export const BASE_URL = 'https://gongkai.example.gov.cn';

export interface RecordedRequest {
  method: string;
  url: string;
  path: string;
  query: Record<string, string>;
  data: unknown;
  header: Record<string, string>;
}

/** An API answer: a status and JSON body, or a network failure (wx.request's fail). */
export type Reply = { status: number; body?: unknown } | { networkError: true };
export type Handler = (req: RecordedRequest, nth: number) => Reply | Promise<Reply>;

interface Callbacks {
  success?: (res: unknown) => void;
  fail?: (err: unknown) => void;
  complete?: (res: unknown) => void;
}

export const ok = (body: unknown = {}, status = 200): Reply => ({ status, body });
export const apiError = (status: number, code: string, message = code, fields?: { path: string; message: string }[]): Reply => ({
  status,
  body: { error: { code, message, ...(fields ? { fields } : {}) } },
});
export const networkError: Reply = { networkError: true };

/** Answers in turn; the last one repeats. */
export function sequence(...replies: Reply[]): Handler {
  return (_req, nth) => replies[Math.min(nth, replies.length - 1)]!;
}

/** A reply the test releases later, to look at a page while its request is in flight. */
export function held(reply: Reply): { handler: Handler; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  return { handler: async () => (await gate, reply), release };
}

export class FakeWx {
  readonly requests: RecordedRequest[] = [];
  readonly events: string[] = [];
  readonly calls: { name: string; args: Record<string, unknown> }[] = [];
  readonly storage = new Map<string, unknown>();
  private readonly routes: { method: string; path: string | RegExp; handler: Handler; count: number }[] = [];
  private loginCount = 0;
  /** What requestSubscribeMessage answers: per-template results, or a failure. */
  subscribeAnswer: Record<string, string> | { fail: { errMsg: string; errCode: number } } = {};
  modalConfirm = true;

  route(method: string, path: string | RegExp, reply: Reply | Handler): this {
    const handler: Handler = typeof reply === 'function' ? reply : () => reply;
    this.routes.unshift({ method, path, handler, count: 0 });
    return this;
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)));
  }

  callsOf(name: string) {
    return this.calls.filter((c) => c.name === name).map((c) => c.args);
  }

  /** Puts the stubs on the global `wx` object that miniprogram-simulate created. */
  install(): this {
    const g = globalThis as unknown as { wx?: Record<string, unknown> };
    g.wx = Object.assign(g.wx ?? {}, this.api());
    return this;
  }

  private record(name: string, args: Record<string, unknown>) {
    this.calls.push({ name, args });
  }

  private api(): Record<string, (...args: never[]) => unknown> {
    const later = (fn: () => void) => setTimeout(fn, 0);
    const succeed = (o: Callbacks, res: unknown) =>
      later(() => {
        o.success?.(res);
        o.complete?.(res);
      });
    const recordOnly = (name: string, res: unknown = { errMsg: `${name}:ok` }) => (o: Callbacks & Record<string, unknown>) => {
      this.record(name, o);
      succeed(o, res);
    };
    return {
      request: (o: Callbacks & { url: string; method?: string; data?: unknown; header?: Record<string, string> }) => {
        const url = new URL(o.url);
        const req: RecordedRequest = {
          method: o.method ?? 'GET',
          url: o.url,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          data: o.data,
          header: { ...(o.header ?? {}) },
        };
        this.requests.push(req);
        this.events.push(`${req.method} ${req.path}`);
        const route = this.routes.find(
          (r) => r.method === req.method && (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)),
        );
        const answer = route ? Promise.resolve(route.handler(req, route.count++)) : Promise.resolve(apiError(404, 'not_found'));
        void answer.then((reply) =>
          later(() => {
            if ('networkError' in reply) {
              const err = { errMsg: 'request:fail net::ERR_INTERNET_DISCONNECTED' };
              o.fail?.(err);
              o.complete?.(err);
              return;
            }
            const res = { statusCode: reply.status, data: reply.body ?? '', header: {}, errMsg: 'request:ok' };
            o.success?.(res);
            o.complete?.(res);
          }),
        );
        return { abort() {} };
      },
      login: (o: Callbacks) => {
        this.loginCount += 1;
        this.events.push('wx.login');
        succeed(o, { code: `code-${this.loginCount}`, errMsg: 'login:ok' });
      },
      getStorageSync: (key: string) => (this.storage.has(key) ? structuredClone(this.storage.get(key)) : ''),
      setStorageSync: (key: string, value: unknown) => void this.storage.set(key, structuredClone(value)),
      removeStorageSync: (key: string) => void this.storage.delete(key),
      requestSubscribeMessage: (o: Callbacks & { tmplIds: string[] }) => {
        this.record('requestSubscribeMessage', { ...o });
        this.events.push('wx.requestSubscribeMessage');
        const answer = this.subscribeAnswer;
        if ('fail' in answer && typeof answer.fail === 'object') {
          later(() => o.fail?.(answer.fail));
          return;
        }
        succeed(o, { errMsg: 'requestSubscribeMessage:ok', ...answer });
      },
      showModal: (o: Callbacks & Record<string, unknown>) => {
        this.record('showModal', o);
        this.events.push('wx.showModal');
        succeed(o, { confirm: this.modalConfirm, cancel: !this.modalConfirm, errMsg: 'showModal:ok' });
      },
      showToast: recordOnly('showToast'),
      navigateTo: recordOnly('navigateTo'),
      switchTab: recordOnly('switchTab'),
      setClipboardData: recordOnly('setClipboardData'),
      stopPullDownRefresh: recordOnly('stopPullDownRefresh'),
    };
  }
}
