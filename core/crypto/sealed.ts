import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Values sealed with AES-256-GCM for storage (ID numbers, contact details, channel secrets).
 * A sealed value is one string, `gk1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts), so it
 * fits any document field, and names the key it was sealed with: after a rotation the old key
 * stays in the ring for reading while `reseal` moves values to the current one.
 *
 * `context` is bound as additional authenticated data (e.g. `request:<id>:idNumber`): a sealed
 * value copied into another document or field does not open there.
 */
export interface SealKeys {
  /** The key new values are sealed with. */
  readonly current: { readonly id: string; readonly key: Buffer };
  /** Earlier keys, for opening values sealed before a rotation. */
  readonly previous?: readonly { readonly id: string; readonly key: Buffer }[];
}

const PREFIX = 'gk1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Thrown when a sealed value cannot be opened: wrong or missing key, or tampered data. */
export class SealError extends Error {
  override name = 'SealError';
}

/** A 32-byte key written as 64 hex digits or base64 (44 characters); anything else throws. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) return Buffer.from(trimmed, 'base64');
  throw new RangeError('must be 32 bytes written as 64 hex digits or base64');
}

export function sealKeys(current: { id: string; key: Buffer }, previous: { id: string; key: Buffer }[] = []): SealKeys {
  for (const k of [current, ...previous]) {
    if (!KEY_ID.test(k.id)) throw new RangeError(`key id must be 1-32 letters, digits, _ or -, got ${JSON.stringify(k.id)}`);
    if (k.key.length !== 32) throw new RangeError(`key ${k.id} must be 32 bytes`);
  }
  return Object.freeze({ current, previous });
}

export function seal(keys: SealKeys, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [PREFIX, keys.current.id, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${PREFIX}.`) && value.split('.').length === 5;
}

/** The key id a sealed value names (to find values still sealed with an old key). */
export function sealedKeyId(sealed: string): string {
  if (!isSealed(sealed)) throw new SealError('not a sealed value');
  return sealed.split('.')[1]!;
}

export function open(keys: SealKeys, sealed: string, context: string): string {
  if (!isSealed(sealed)) throw new SealError('not a sealed value');
  const [, keyId, iv, ciphertext, tag] = sealed.split('.') as [string, string, string, string, string];
  const entry = [keys.current, ...(keys.previous ?? [])].find((k) => k.id === keyId);
  if (!entry) throw new SealError(`sealed with key ${keyId}, which is not configured`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new SealError(`cannot open a value sealed with key ${keyId}: wrong key or altered data`, { cause: error });
  }
}

/** The value sealed with the current key (unchanged when it already is): for key rotation. */
export function reseal(keys: SealKeys, sealed: string, context: string): string {
  return sealedKeyId(sealed) === keys.current.id ? sealed : seal(keys, open(keys, sealed, context), context);
}
