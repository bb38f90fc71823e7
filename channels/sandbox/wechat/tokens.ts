import { randomBytes } from 'node:crypto';
import { WechatSandboxError, chinaDay, setBounded } from './reply.ts';

interface TokenRecord {
  appid: string;
  kind: 'token' | 'stable';
  expiresAt: number;
  /** From this instant the token answers 40001 (superseded, force-refreshed or revoked). */
  revokedAt?: number;
}

export interface TokenBookSnapshot {
  tokens: Map<string, TokenRecord>;
  latest: Map<string, string>;
  stable: Map<string, string>;
  forced: Map<string, { day: string; count: number; last: number }>;
}

const OVERLAP_MS = 5 * 60_000;
const FORCE_GAP_MS = 30_000;
const FORCE_PER_DAY = 20;
const MAX_TOKENS = 10_000;

/**
 * Access tokens as WeChat issues them (wechat.md §1): `/cgi-bin/token` issues a new token on every
 * call and the previous one keeps working for 5 minutes; `/cgi-bin/stable_token` hands out the same
 * token until its last 5 minutes (the rotation window, shortened to half the lifetime for short test
 * lifetimes), then a new one while the old one keeps working until it expires. The two kinds are
 * independent.
 */
export class TokenBook {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly latest = new Map<string, string>();
  private readonly stable = new Map<string, string>();
  private readonly forced = new Map<string, { day: string; count: number; last: number }>();

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number,
  ) {}

  /** `/cgi-bin/token`: a new token; the previous one is revoked 5 minutes from now. */
  issue(appid: string): { access_token: string; expires_in: number } {
    const previous = this.record(this.latest.get(appid));
    if (previous && previous.revokedAt === undefined) previous.revokedAt = this.now() + OVERLAP_MS;
    const token = this.create(appid, 'token');
    this.latest.set(appid, token);
    return { access_token: token, expires_in: this.ttlSeconds };
  }

  /** `/cgi-bin/stable_token` in normal or force_refresh mode. */
  issueStable(appid: string, forceRefresh: boolean): { access_token: string; expires_in: number } {
    const now = this.now();
    let token = this.stable.get(appid);
    let current = this.record(token);
    const usable = current && this.usable(current, now);
    if (forceRefresh && this.mayForce(appid, now) && current) {
      current.revokedAt = now;
      current = undefined;
    } else if (usable && current && current.expiresAt - now > this.rotationWindowMs()) {
      return { access_token: token as string, expires_in: Math.floor((current.expiresAt - now) / 1000) };
    }
    token = this.create(appid, 'stable');
    this.stable.set(appid, token);
    return { access_token: token, expires_in: this.ttlSeconds };
  }

  /** The app a token belongs to, or the error WeChat gives for it. */
  check(token: string | undefined): string {
    if (!token) throw new WechatSandboxError(41001, 'access_token missing');
    const record = this.tokens.get(token);
    const now = this.now();
    if (!record || (record.revokedAt !== undefined && now >= record.revokedAt)) {
      throw new WechatSandboxError(40001, 'invalid credential, access_token is invalid or not latest');
    }
    if (now >= record.expiresAt) throw new WechatSandboxError(42001, 'access_token expired');
    return record.appid;
  }

  /** Every token of the app expires now (its next use answers 42001). */
  expire(appid: string): void {
    const now = this.now();
    for (const record of this.tokens.values()) if (record.appid === appid) record.expiresAt = Math.min(record.expiresAt, now);
  }

  /** Every token of the app is revoked now (its next use answers 40001). */
  revoke(appid: string): void {
    const now = this.now();
    for (const record of this.tokens.values()) if (record.appid === appid) record.revokedAt = Math.min(record.revokedAt ?? now, now);
  }

  clear(): void {
    this.tokens.clear();
    this.latest.clear();
    this.stable.clear();
    this.forced.clear();
  }

  /** What a restart must keep: issued tokens stay valid, as WeChat's do across our restarts. */
  snapshot(): TokenBookSnapshot {
    return { tokens: this.tokens, latest: this.latest, stable: this.stable, forced: this.forced };
  }

  restore(saved: TokenBookSnapshot): void {
    for (const key of ['tokens', 'latest', 'stable', 'forced'] as const) {
      const into = this[key] as Map<string, unknown>;
      into.clear();
      for (const [k, v] of saved[key] as Map<string, unknown>) into.set(k, v);
    }
  }

  private rotationWindowMs(): number {
    return Math.min(OVERLAP_MS, (this.ttlSeconds * 1000) / 2);
  }

  private usable(record: TokenRecord, now: number): boolean {
    return now < record.expiresAt && (record.revokedAt === undefined || now < record.revokedAt);
  }

  /** force_refresh: 20 a day, 30 s apart; calls beyond that do not refresh (over the daily count: 45009). */
  private mayForce(appid: string, now: number): boolean {
    const day = chinaDay(now);
    const state = this.forced.get(appid);
    const count = state?.day === day ? state.count : 0;
    if (count >= FORCE_PER_DAY) throw new WechatSandboxError(45009, 'reach max api daily quota limit (force_refresh)');
    if (state && now - state.last < FORCE_GAP_MS) return false;
    this.forced.set(appid, { day, count: count + 1, last: now });
    return true;
  }

  private record(token: string | undefined): TokenRecord | undefined {
    return token === undefined ? undefined : this.tokens.get(token);
  }

  private create(appid: string, kind: TokenRecord['kind']): string {
    const token = `${kind === 'stable' ? 'S' : 'T'}_${randomBytes(96).toString('base64url')}`;
    setBounded(this.tokens, token, { appid, kind, expiresAt: this.now() + this.ttlSeconds * 1000 }, MAX_TOKENS);
    return token;
  }
}
