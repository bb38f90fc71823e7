import type { Middleware } from 'koa';
import { ZodError } from 'zod';
import { isDuplicateKeyError } from '../../core/db.ts';
import { AppError, type FieldProblem } from '../../core/errors.ts';

interface ErrorBody {
  error: { code: string; message: string; fields?: FieldProblem[]; requestId?: string };
}

/**
 * The one place that turns errors into responses. Client mistakes keep their message;
 * anything unexpected becomes a bare 500 whose details go to the log only.
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        respond(ctx, 404, { error: { code: 'not_found', message: `no route for ${ctx.method} ${ctx.path}` } });
      }
    } catch (raw) {
      const { status, body } = toResponse(raw);
      if (status >= 500) ctx.state.log?.error({ err: raw }, 'unhandled error');
      const wait = status === 429 ? retryAfterSeconds(raw) : undefined;
      if (wait !== undefined) ctx.set('Retry-After', String(wait));
      respond(ctx, status, body);
    }
  };
}

/** When a 429 may be retried: our own limits give seconds, a vendor's quota the time it reopens. */
function retryAfterSeconds(error: unknown): number | undefined {
  const { retryAfterSeconds: seconds, retryAt } = (error ?? {}) as { retryAfterSeconds?: unknown; retryAt?: unknown };
  if (typeof seconds === 'number') return seconds;
  if (retryAt instanceof Date) return Math.max(1, Math.ceil((retryAt.getTime() - Date.now()) / 1000));
  return undefined;
}

function respond(ctx: Parameters<Middleware>[0], status: number, body: ErrorBody): void {
  ctx.status = status;
  body.error.requestId = ctx.state.requestId;
  ctx.body = body;
}

function toResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ZodError) {
    const fields = error.issues.flatMap((issue) => {
      const base = issue.path.map(String);
      // Name each unknown key itself, rather than the object that holds it.
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => ({ path: [...base, key || '(empty name)'].join('.'), message: 'unknown field' }));
      }
      return [{ path: base.join('.') || '(body)', message: issue.message }];
    });
    const names = fields.map((f) => f.path).join(', ');
    return { status: 400, body: { error: { code: 'validation_failed', message: `invalid ${names}`, fields } } };
  }
  if (error instanceof AppError) {
    const fields = 'fields' in error && Array.isArray(error.fields) && error.fields.length ? error.fields : undefined;
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.expose ? error.message : 'internal error', fields } },
    };
  }
  if (isDuplicateKeyError(error)) {
    // MongoDB names the key; FerretDB does not, so core code should raise ConflictError itself.
    const fields = Object.keys(error.keyPattern ?? {}).map((path) => ({ path, message: 'already exists' }));
    return { status: 409, body: { error: { code: 'conflict', message: 'already exists', fields } } };
  }
  if (error instanceof SyntaxError && (error as { status?: unknown }).status === 400) {
    // The body parser's error also carries the raw body: never echo or log it.
    return { status: 400, body: { error: { code: 'bad_request', message: 'request body is not valid JSON' } } };
  }
  const body = bodyEncodingError(error);
  if (body) return body;
  if ((error as { name?: unknown })?.name === 'NotImplementedError') {
    // The router's answer to a method it does not know (PROPFIND, TRACE…): the client's
    // mistake, not a server fault to log and alert on.
    return { status: 405, body: { error: { code: 'method_not_allowed', message: 'this HTTP method is not supported' } } };
  }
  const http = httpErrorStatus(error);
  if (http) return http;
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

/**
 * A compressed body the reader cannot inflate: an unknown Content-Encoding (its error has a
 * status but no `expose`) or bytes that are not what the header claims (zlib's own errors).
 */
function bodyEncodingError(error: unknown): { status: number; body: ErrorBody } | undefined {
  const e = error as { status?: unknown; message?: unknown; code?: unknown };
  if (e?.status === 415 && typeof e.message === 'string' && e.message.startsWith('Unsupported Content-Encoding')) {
    return { status: 415, body: { error: { code: 'unsupported_media_type', message: 'Content-Encoding must be gzip, deflate, br or identity' } } };
  }
  if (typeof e?.code === 'string' && /^Z_(DATA|BUF|STREAM)_ERROR$/.test(e.code)) {
    return { status: 400, body: { error: { code: 'bad_request', message: 'request body does not match its Content-Encoding' } } };
  }
  return undefined;
}

const HTTP_CODES: Record<number, string> = {
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Errors from Koa's own helpers and the body parser (413, 415, bad JSON) carry status and expose. */
function httpErrorStatus(error: unknown): { status: number; body: ErrorBody } | undefined {
  const e = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof e?.status !== 'number' || e.status < 400 || e.status >= 500 || e.expose !== true) return undefined;
  const code = HTTP_CODES[e.status] ?? 'bad_request';
  return { status: e.status, body: { error: { code, message: String(e.message) } } };
}
