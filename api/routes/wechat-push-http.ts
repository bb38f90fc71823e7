import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { AppError, AuthenticationError, ValidationError } from '../../core/errors.ts';
import { callbackSignature, decryptMessage, signatureMatches } from '../../core/wechat-callback/crypto.ts';
import { requiredField, type PushFields } from '../../core/wechat-callback/xml.ts';

/**
 * The HTTP side of a WeChat push endpoint (query, signature, freshness, raw body), for the
 * official account's callback (wechat-oa.routes.ts) and the mini-program's 消息推送 alike.
 */

/** A push is a few hundred bytes; far below this. */
export const MAX_PUSH_BYTES = 64 * 1024;
/**
 * How far a push's `timestamp` may be from our clock. The signature covers the timestamp, so
 * this bounds how long a captured push can be replayed; WeChat's own retries come within
 * about 15 s of the original and keep its timestamp, and 300 s leaves room for clock skew.
 */
export const PUSH_TIMESTAMP_TOLERANCE_S = 300;

export type PushQuery = Partial<Record<'signature' | 'msg_signature' | 'timestamp' | 'nonce' | 'echostr' | 'encrypt_type', string>>;

/** The query parameters WeChat sends; repeated ones count as absent. */
export function pushQuery(ctx: Context): PushQuery {
  const names = ['signature', 'msg_signature', 'timestamp', 'nonce', 'echostr', 'encrypt_type'] as const;
  return Object.fromEntries(names.flatMap((name) => (typeof ctx.query[name] === 'string' ? [[name, ctx.query[name]]] : [])));
}

export function verifyPushSignature(signature: string | undefined, parts: (string | undefined)[]): void {
  if (!signature || parts.some((p) => p === undefined || p === '')) throw new AuthenticationError('missing WeChat signature');
  if (!signatureMatches(signature, callbackSignature(...(parts as string[])))) throw new AuthenticationError('WeChat signature does not match');
}

export function checkPushFresh(timestamp: string | undefined, now: Date): void {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) throw new AuthenticationError('missing WeChat timestamp');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > PUSH_TIMESTAMP_TOLERANCE_S) {
    throw new AuthenticationError(`WeChat timestamp is more than ${PUSH_TIMESTAMP_TOLERANCE_S} s from this server's clock`);
  }
}

const tooLarge = () => new AppError(413, 'payload_too_large', `push body larger than ${MAX_PUSH_BYTES} bytes`);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The raw body as UTF-8 text, at most MAX_PUSH_BYTES; more is a 413. A JSON body the app's parser read keeps its raw text. */
export async function readPushBody(ctx: Context): Promise<string> {
  const parsed = (ctx.request as { rawBody?: unknown }).rawBody;
  const bytes = typeof parsed === 'string' ? Buffer.from(parsed) : await readLimited(ctx.req, MAX_PUSH_BYTES);
  if (bytes.length > MAX_PUSH_BYTES) throw tooLarge();
  try {
    return utf8.decode(bytes);
  } catch {
    throw new ValidationError('push body is not UTF-8');
  }
}

function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size > limit) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        // Keep reading and dropping, so the 413 goes out on a connection left in order.
        reject(tooLarge());
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new ValidationError('request body was cut off'));
    });
  });
}

/** URL verification (GET): WeChat's echostr back, when signed with the token. */
export function echoVerification(token: string) {
  return (ctx: Context): void => {
    const q = pushQuery(ctx);
    verifyPushSignature(q.signature, [token, q.timestamp, q.nonce]);
    if (q.echostr === undefined) throw new ValidationError('missing echostr', [{ path: 'echostr', message: 'required' }]);
    ctx.type = 'text/plain';
    ctx.body = q.echostr;
  };
}

export interface PushEndpoint {
  token: string;
  appId: string;
  aesKey: Buffer | undefined;
  now: () => Date;
  /** In errors: `official account (WECHAT_OA_AES_KEY)`, `mini-program (WECHAT_MP_AES_KEY)`. */
  account: string;
  aesVariable: string;
  /** The push's fields from its text (XML, or JSON where the endpoint takes it). */
  parse: (text: string) => PushFields;
}

/**
 * One push read, authenticated and opened: the body within its limit, a fresh timestamp, the
 * signature (over the plaintext push's parameters, or over the encrypted envelope in safe mode,
 * before anything is decrypted) and, in safe mode, the decrypted fields. With an EncodingAESKey a
 * plaintext push did not come from WeChat (anyone who learnt the token could sign one): refused.
 */
export async function openPush(ctx: Context, endpoint: PushEndpoint): Promise<{ push: PushFields; safe: boolean }> {
  const { token, appId, aesKey } = endpoint;
  const q = pushQuery(ctx);
  const body = await readPushBody(ctx);
  // co-wechat's rule: encrypted only with both encrypt_type=aes and msg_signature.
  const safe = q.encrypt_type === 'aes';
  if (q.encrypt_type !== undefined && q.encrypt_type !== 'raw' && !safe) {
    throw new ValidationError('encrypt_type must be aes or raw', [{ path: 'encrypt_type', message: 'must be aes or raw' }]);
  }
  checkPushFresh(q.timestamp, endpoint.now());
  if (aesKey && !safe) {
    throw new AppError(400, 'plaintext_refused', `plaintext push refused: this ${endpoint.account} is in safe mode (${endpoint.aesVariable}), pushes must be encrypted`);
  }
  // Plaintext pushes are authenticated before their body is even parsed.
  if (!safe) verifyPushSignature(q.signature, [token, q.timestamp, q.nonce]);
  const push = endpoint.parse(body);
  if (!safe) return { push, safe };
  const encrypted = requiredField(push, 'Encrypt');
  verifyPushSignature(q.msg_signature, [token, q.timestamp, q.nonce, encrypted]);
  if (!aesKey) throw new AppError(400, 'safe_mode_not_configured', `encrypted push, but no EncodingAESKey is configured (${endpoint.aesVariable})`);
  return { push: endpoint.parse(decryptMessage(aesKey, appId, encrypted)), safe };
}
