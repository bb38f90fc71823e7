/**
 * The console's only HTTP caller: the documented JSON API, same origin, the session cookie sent
 * by the browser, the session's CSRF token on every write. Errors keep the API's field paths so
 * forms can show each beside its field.
 */
export interface FieldProblem {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface Me {
  username: string;
  agencyCode: string;
  role: 'admin' | 'publisher' | 'press' | 'reviewer';
  displayName?: string;
  csrfToken: string;
}

let csrf = '';
export const setCsrf = (token: string) => {
  csrf = token;
};

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const text = await res.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { message?: string; fields?: FieldProblem[] } } | undefined)?.error;
    const retry = Number(res.headers.get('Retry-After') ?? '') || undefined;
    throw new ApiError(res.status, error?.message ?? `HTTP ${res.status}`, error?.fields ?? [], retry);
  }
  return json as T;
}

/** A file for a disclosure's `attachments`, as `POST /api/v1/attachments` answers it. */
export interface UploadedFile {
  name: string;
  url: string;
  sha256: string;
  size: number;
  contentType: string;
}

/** Uploads one file as the request body (its name in the query), with the session's CSRF token. */
export async function uploadAttachment(file: File): Promise<UploadedFile> {
  const headers: Record<string, string> = { Accept: 'application/json', 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': csrf };
  const res = await fetch(`/api/v1/attachments?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers, body: file, credentials: 'same-origin' });
  const json = (await res.json().catch(() => undefined)) as (UploadedFile & { error?: { message?: string; fields?: FieldProblem[] } }) | undefined;
  if (!res.ok) throw new ApiError(res.status, json?.error?.message ?? `HTTP ${res.status}`, json?.error?.fields ?? []);
  return json as UploadedFile;
}

/** The signed-in account, or undefined when there is no session. */
export async function currentUser(): Promise<Me | undefined> {
  try {
    const me = await api<Partial<Me>>('GET', '/api/v1/staff/me');
    if (!me.username || !me.csrfToken) return undefined;
    setCsrf(me.csrfToken);
    return me as Me;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    throw error;
  }
}

export const ROLE_NAMES: Record<string, string> = { admin: '管理员', publisher: '发布员', press: '新闻发言人', reviewer: '审核员' };
export const STATUS_NAMES: Record<string, string> = { draft: '草稿', published: '已公开', corrected: '已更正', withdrawn: '已撤回' };
