import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { Types } from 'mongoose';
import { AuthenticationError } from '../errors.ts';

const PREFIX = 'ms1';
const TTL_SECONDS = 7 * 24 * 3600;

/**
 * Residents' sessions: `ms1.<subscriberId>.<expiry>.<HMAC-SHA256>`, stateless so any API process
 * can check them with the shared secret. WeChat's session_key is never part of it, nor stored.
 */
export function createSessions(secret: string = randomBytes(32).toString('hex'), now: () => Date = () => new Date()) {
  const sign = (payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');
  return {
    issue(subscriberId: Types.ObjectId): { token: string; expiresAt: Date } {
      const exp = Math.floor(now().getTime() / 1000) + TTL_SECONDS;
      const payload = `${PREFIX}.${subscriberId.toHexString()}.${exp}`;
      return { token: `${payload}.${sign(payload)}`, expiresAt: new Date(exp * 1000) };
    },
    /** The subscriber id of a valid, unexpired token; 401 otherwise, without saying which part failed. */
    verify(token: string): Types.ObjectId {
      const match = /^(ms1\.([0-9a-f]{24})\.(\d{10}))\.([A-Za-z0-9_-]{43})$/.exec(token);
      if (!match) throw new AuthenticationError('invalid session; log in again');
      const [, payload, id, exp, signature] = match as unknown as [string, string, string, string, string];
      const expected = Buffer.from(sign(payload));
      if (!timingSafeEqual(expected, Buffer.from(signature))) throw new AuthenticationError('invalid session; log in again');
      if (Number(exp) * 1000 <= now().getTime()) throw new AuthenticationError('session expired; log in again');
      return new Types.ObjectId(id);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
