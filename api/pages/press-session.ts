import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'ps1';
/** A working day and then some: press officers sign in each morning. */
export const PRESS_SESSION_TTL_SECONDS = 12 * 3600;
export const PRESS_COOKIE = 'gk_press';

/**
 * Press officers' browser sessions: `ps1.<keyId>.<expiry>.<HMAC-SHA256>`. Only the key's public
 * id is inside, never the key: a stolen cookie expires, and revoking the key ends it (the routes
 * look the key up on every request). Signed with a key derived from SESSION_SECRET, so that no
 * other token signed with that secret (residents' sessions) can pass for one of these.
 */
export function createPressSessions(secret: string = randomBytes(32).toString('hex'), now: () => Date = () => new Date()) {
  const key = createHmac('sha256', secret).update('gongkai:press-session').digest();
  const mac = (purpose: string, payload: string) => createHmac('sha256', key).update(`${purpose}:${payload}`).digest('base64url');
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
  return {
    issue(keyId: string): { token: string; expiresAt: Date } {
      const exp = Math.floor(now().getTime() / 1000) + PRESS_SESSION_TTL_SECONDS;
      const payload = `${PREFIX}.${keyId}.${exp}`;
      return { token: `${payload}.${mac('session', payload)}`, expiresAt: new Date(exp * 1000) };
    },
    /** The keyId of a well-signed, unexpired session token; undefined otherwise. */
    verify(token: string | undefined): string | undefined {
      const match = /^(ps1\.([0-9a-f]{16})\.(\d{10}))\.([A-Za-z0-9_-]{43})$/.exec(token ?? '');
      if (!match) return undefined;
      const [, payload, keyId, exp, signature] = match as unknown as [string, string, string, string, string];
      if (!same(mac('session', payload), signature)) return undefined;
      if (Number(exp) * 1000 <= now().getTime()) return undefined;
      return keyId;
    },
    /** The CSRF token of one session: forms carry it, and it is worthless with any other cookie. */
    csrfToken(sessionToken: string): string {
      return mac('csrf', sessionToken);
    },
    csrfMatches(sessionToken: string, submitted: string | undefined): boolean {
      return typeof submitted === 'string' && same(mac('csrf', sessionToken), submitted);
    },
  };
}

export type PressSessions = ReturnType<typeof createPressSessions>;

/**
 * The Set-Cookie value, written by hand because Koa's cookies refuse `Secure` on a plain-HTTP
 * hop, which is what a TLS-terminating proxy without TRUST_PROXY looks like.
 */
export function sessionCookie(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  const parts = [`${PRESS_COOKIE}=${token}`, 'Path=/press', `Max-Age=${options.maxAgeSeconds}`, 'HttpOnly', 'SameSite=Strict'];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}
