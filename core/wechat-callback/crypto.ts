import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../errors.ts';

/**
 * WeChat's callback signatures and safe-mode (安全模式) message crypto, per
 * /work/shared/reference/wechat.md §3.1 and §3.4. Checked in the tests against the independent
 * `wechat-crypto` package.
 */

/** sha1 of the parts sorted lexicographically and concatenated (signature and msg_signature). */
export function callbackSignature(...parts: string[]): string {
  return createHash('sha1').update([...parts].sort().join('')).digest('hex');
}

/** Constant-time comparison of a received signature with the expected one. */
export function signatureMatches(received: string | undefined, expected: string): boolean {
  if (!received) return false;
  const a = Buffer.from(received.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** WeChat pads to 32-byte blocks, not AES's 16, so Node's automatic padding is turned off. */
const BLOCK = 32;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The 32-byte AES key from the 43-character EncodingAESKey. */
export function aesKeyFrom(encodingAesKey: string): Buffer {
  const key = /^[A-Za-z0-9]{43}$/.test(encodingAesKey) ? Buffer.from(`${encodingAesKey}=`, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new Error('EncodingAESKey must be 43 letters and digits');
  return key;
}

/** AES-256-CBC of random(16) + length(4, big-endian) + message + appId, PKCS#7-padded to 32 bytes; base64. */
export function encryptMessage(key: Buffer, appId: string, message: string, random: Buffer = randomBytes(16)): string {
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length, 0);
  const plain = Buffer.concat([random, length, body, Buffer.from(appId, 'utf8')]);
  const pad = BLOCK - (plain.length % BLOCK);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/**
 * Decrypts an `Encrypt` value and checks that it was made for `appId`. Anything that does not
 * decrypt to a well-formed plaintext for this app is an authentication failure: the sender
 * does not hold our key.
 */
export function decryptMessage(key: Buffer, appId: string, encrypted: string): string {
  const data = BASE64.test(encrypted) ? Buffer.from(encrypted, 'base64') : Buffer.alloc(0);
  if (data.length < BLOCK || data.length % 16 !== 0) throw new AuthenticationError('encrypted message is malformed');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new AuthenticationError('encrypted message is malformed');
  }
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK || !plain.subarray(plain.length - pad).every((b) => b === pad)) {
    throw new AuthenticationError('encrypted message does not decrypt with this EncodingAESKey');
  }
  const content = plain.subarray(16, plain.length - pad);
  const length = content.length >= 4 ? content.readUInt32BE(0) : -1;
  if (length < 0 || 4 + length > content.length) throw new AuthenticationError('encrypted message does not decrypt with this EncodingAESKey');
  if (content.subarray(4 + length).toString('utf8') !== appId) throw new AuthenticationError('encrypted message is for another app');
  return content.subarray(4, 4 + length).toString('utf8');
}
