import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Staff passwords: scrypt (memory-hard, node:crypto), a 16-byte salt of its own per password,
 * the parameters stored beside the hash so they can be raised later without breaking old hashes.
 * N = 2^15, r = 8 needs 32 MB and about 50–100 ms per check on one core: cheap for one sign-in,
 * dear for a guesser (and sign-ins are throttled besides).
 */
export interface PasswordHash {
  algo: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLen: number;
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1, keyLen: 32 } as const;
/** Twice what N and r need (128·N·r bytes), so node does not refuse the stored parameters. */
const maxmem = (N: number, r: number) => 256 * N * r;

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number; keyLen: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: maxmem(params.N, params.r) };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, params.keyLen, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export async function hashPassword(password: string, params = SCRYPT_PARAMS): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, params);
  return { algo: 'scrypt', ...params, salt: salt.toString('base64'), hash: hash.toString('base64') };
}

/** A stand-in for unknown accounts: checking against it costs what a real check costs. */
let decoy: Promise<PasswordHash> | undefined;

/** Timing-safe; `stored` undefined (no such account) still runs one scrypt and answers false. */
export async function verifyPassword(password: string, stored: PasswordHash | undefined): Promise<boolean> {
  const target = stored ?? (await (decoy ??= hashPassword(randomBytes(16).toString('hex'))));
  const expected = Buffer.from(target.hash, 'base64');
  const actual = await derive(password, Buffer.from(target.salt, 'base64'), target);
  return actual.length === expected.length && timingSafeEqual(actual, expected) && stored !== undefined;
}

/** 16 characters from an alphabet without look-alikes (0/O, 1/l/I): about 90 bits. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(16);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
