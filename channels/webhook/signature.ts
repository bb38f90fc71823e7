import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, for receivers (全国公共资源交易平台, 信用中国 and any subscriber endpoint):
 *
 * Each POST carries
 *   X-Gongkai-Timestamp: <unix seconds when sent>
 *   X-Gongkai-Signature: v1=<hex of HMAC-SHA256(key = shared secret, message = `${timestamp}.${rawBody}`)>
 * where rawBody is the exact request body bytes (UTF-8 JSON), before any parsing.
 *
 * To verify: read the raw body; recompute the HMAC over `${X-Gongkai-Timestamp}.${rawBody}`; compare
 * in constant time with each `v1=` value (several, comma-separated, may appear while a secret is being
 * rotated); reject when the timestamp is more than 5 minutes from your clock (replays). Then
 * de-duplicate by the `Idempotency-Key` header (= the body's `key`): a retried delivery repeats it.
 */
export const TIMESTAMP_HEADER = 'X-Gongkai-Timestamp';
export const SIGNATURE_HEADER = 'X-Gongkai-Signature';
export const SIGNATURE_VERSION = 'v1';

export type VerifyFailure = 'missing-timestamp' | 'missing-signature' | 'bad-format' | 'too-old' | 'in-future' | 'mismatch';
export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

function hmac(secret: string, timestamp: string, rawBody: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest();
}

/** The two headers for `rawBody`, signed at `now`. */
export function signWebhook(secret: string, rawBody: string | Buffer, now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: `${SIGNATURE_VERSION}=${hmac(secret, timestamp, rawBody).toString('hex')}`,
  };
}

type HeaderSource = Record<string, string | string[] | undefined> | HeaderGetter;
interface HeaderGetter {
  get(name: string): string | null;
}

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as HeaderGetter).get === 'function') return (headers as HeaderGetter).get(name) ?? undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === lower) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

export interface VerifyWebhookInput {
  /** One secret, or several while rotating. */
  secret: string | string[];
  rawBody: string | Buffer;
  /** Node's `req.headers`, a plain object in any letter case, or a fetch `Headers`. */
  headers: HeaderSource;
  now?: Date;
  toleranceSeconds?: number;
}

/** Checks a delivery; `reason` says why it is refused. */
export function verifyWebhook(input: VerifyWebhookInput): VerifyResult {
  const timestamp = header(input.headers, TIMESTAMP_HEADER)?.trim();
  const signature = header(input.headers, SIGNATURE_HEADER)?.trim();
  if (!timestamp) return { ok: false, reason: 'missing-timestamp' };
  if (!signature) return { ok: false, reason: 'missing-signature' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad-format' };
  const given: Buffer[] = [];
  for (const part of signature.split(',')) {
    const m = /^v1=([0-9a-f]{64})$/i.exec(part.trim());
    if (m?.[1]) given.push(Buffer.from(m[1], 'hex'));
  }
  if (given.length === 0) return { ok: false, reason: 'bad-format' };

  const age = Math.floor((input.now ?? new Date()).getTime() / 1000) - Number(timestamp);
  const tolerance = input.toleranceSeconds ?? 300;
  if (age > tolerance) return { ok: false, reason: 'too-old' };
  if (age < -tolerance) return { ok: false, reason: 'in-future' };

  const secrets = Array.isArray(input.secret) ? input.secret : [input.secret];
  let match = false;
  for (const secret of secrets) {
    const expected = hmac(secret, timestamp, input.rawBody);
    // Compare against every candidate, without stopping early.
    for (const candidate of given) match = timingSafeEqual(expected, candidate) || match;
  }
  return match ? { ok: true, timestamp: Number(timestamp) } : { ok: false, reason: 'mismatch' };
}
