import { randomBytes } from 'node:crypto';
import type { SandboxPost, SandboxUser } from './weibo-format.ts';

/** Hourly quotas of the sandbox (reference notes §2, "normal" tier by default). */
export interface WeiboRateLimits {
  /** All calls per user (token) per hour → 10023. */
  callsPerHour: number;
  /** Posts per user per hour → 10024. */
  postsPerHour: number;
  /** All calls per IP per hour → 10022. */
  ipCallsPerHour: number;
  /** Comments and replies per user per hour → 10024 (notes §2: 60 on the normal tier). */
  commentsPerHour: number;
}

export interface WeiboSandboxOptions {
  /** Domains (and their subdomains) a status may link to (安全域名). Default `127.0.0.1`, `localhost`. */
  safeDomains?: string[];
  /** A token valid for ten years, for `defaultUid`. Default `sandbox-weibo-token`. */
  defaultToken?: string;
  defaultUid?: string;
  /** Longest `status` in code points; longer → 20012. Default 140. */
  maxLength?: number;
  limits?: Partial<WeiboRateLimits>;
  /** HTTP status of error answers (400, or 403 as some apps saw). Default 400. */
  errorStatus?: number;
  /** Clock for token expiry, hourly windows and `created_at`. */
  now?: () => Date;
}

/**
 * A scripted failure, used `count` times (default 1) by the next requests to `path` (any /2 path
 * when omitted): `errorCode` answers Weibo's error JSON, `http` a bare HTTP status (gateway-style,
 * non-JSON), `latencyMs` delays the answer (alone: then answers normally).
 */
export interface WeiboFault {
  path?: string;
  errorCode?: number;
  error?: string;
  http?: number;
  latencyMs?: number;
  count?: number;
}

export interface ReactionInput {
  text: string;
  user?: Partial<SandboxUser>;
  /** false: the commenter has not authorised our app, so comments/show hides it (notes §3). */
  visibleToApp?: boolean;
  createdAt?: Date;
}

export interface SandboxStatus extends SandboxPost {
  /** `replyTo`: the comment a `comments/reply` answered. */
  comments: (SandboxPost & { visibleToApp: boolean; replyTo?: bigint })[];
  reposts: (SandboxPost & { visibleToApp: boolean })[];
}

export interface WeiboStateSnapshot {
  tokens: Map<string, { uid: string; expiresAt: number; revoked?: boolean }>;
  statuses: Map<string, SandboxStatus>;
  mentions: (SandboxPost & { mentionedUid: string })[];
  counters: Map<string, number>;
  nextId: bigint;
  nextUser: number;
}

const DEFAULT_LIMITS: WeiboRateLimits = { callsPerHour: 150, postsPerHour: 30, ipCallsPerHour: 10_000, commentsPerHour: 60 };
const FIRST_ID = 5_012_345_678_901_234n;

/** Everything the fake api.weibo.com remembers; `control` is the tests' handle on it. */
export class WeiboSandboxState {
  readonly now: () => Date;
  readonly maxLength: number;
  readonly errorStatus: number;
  readonly defaultUid: string;
  tokens = new Map<string, { uid: string; expiresAt: number; revoked?: boolean }>();
  safeDomains: string[] = [];
  limits: WeiboRateLimits = DEFAULT_LIMITS;
  statuses = new Map<string, SandboxStatus>();
  /** Posts by others that @-mention `mentionedUid` (statuses/mentions). */
  mentions: (SandboxPost & { mentionedUid: string })[] = [];
  faults: (WeiboFault & { count: number })[] = [];
  private counters = new Map<string, number>();
  private nextId = FIRST_ID;
  private nextUser = 7_000_000_001;

  constructor(private readonly options: WeiboSandboxOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.maxLength = options.maxLength ?? 140;
    this.errorStatus = options.errorStatus ?? 400;
    this.defaultUid = options.defaultUid ?? '5000000001';
    this.reset();
  }

  /** Tokens, statuses with their reactions, mentions and ids: what a restart must not forget. */
  snapshot(): WeiboStateSnapshot {
    return { tokens: this.tokens, statuses: this.statuses, mentions: this.mentions, counters: this.counters, nextId: this.nextId, nextUser: this.nextUser };
  }

  restore(saved: WeiboStateSnapshot): void {
    for (const [k, v] of saved.tokens) this.tokens.set(k, v);
    for (const [k, v] of saved.statuses) this.statuses.set(k, v);
    this.mentions = [...saved.mentions];
    for (const [k, v] of saved.counters) this.counters.set(k, v);
    if (saved.nextId > this.nextId) this.nextId = saved.nextId;
    if (saved.nextUser > this.nextUser) this.nextUser = saved.nextUser;
  }

  reset(): void {
    this.tokens.clear();
    this.statuses.clear();
    this.mentions = [];
    this.counters.clear();
    this.faults = [];
    this.safeDomains = this.options.safeDomains ?? ['127.0.0.1', 'localhost'];
    this.limits = { ...DEFAULT_LIMITS, ...this.options.limits };
    const tenYears = 10 * 365 * 24 * 3600;
    this.issueToken(this.defaultUid, { expiresInSeconds: tenYears, token: this.options.defaultToken ?? 'sandbox-weibo-token' });
  }

  issueToken(uid: string, options: { expiresInSeconds?: number; token?: string } = {}): string {
    const token = options.token ?? `2.00${randomBytes(16).toString('hex')}`;
    const lifetime = options.expiresInSeconds ?? 24 * 3600;
    this.tokens.set(token, { uid, expiresAt: this.now().getTime() + lifetime * 1000 });
    return token;
  }

  newId(): bigint {
    this.nextId += 1n;
    return this.nextId;
  }

  user(input: Partial<SandboxUser> = {}): SandboxUser {
    const id = input.id ?? String(this.nextUser++);
    return { id, screenName: input.screenName ?? `用户${id.slice(-4)}`, ...(input.location ? { location: input.location } : {}) };
  }

  addReaction(kind: 'comments' | 'reposts', statusId: string, input: ReactionInput): string {
    const status = this.statuses.get(statusId);
    if (!status) throw new Error(`no status ${statusId} in the Weibo sandbox`);
    const id = this.newId();
    const createdAt = input.createdAt ?? this.now();
    status[kind].push({ id, text: input.text, user: this.user(input.user), createdAt, visibleToApp: input.visibleToApp ?? true });
    return id.toString();
  }

  /** A post by someone else mentioning `mentionedUid` (default: the default token's user); returns its idstr. */
  addMention(input: ReactionInput, mentionedUid = this.defaultUid): string {
    const id = this.newId();
    this.mentions.push({ id, text: input.text, user: this.user(input.user), createdAt: input.createdAt ?? this.now(), mentionedUid });
    return id.toString();
  }

  /** The first matching scripted fault, used up by one; undefined when none applies. */
  takeFault(path: string): WeiboFault | undefined {
    const index = this.faults.findIndex((f) => !f.path || f.path === path);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** Counts one use of an hourly quota; true when the quota was already spent (not counted then). */
  overLimit(kind: 'calls' | 'posts' | 'comments' | 'ip', who: string, limit: number, countIt = true): boolean {
    const key = `${Math.floor(this.now().getTime() / 3600_000)}:${kind}:${who}`;
    const used = this.counters.get(key) ?? 0;
    if (used >= limit) return true;
    if (countIt) this.counters.set(key, used + 1);
    return false;
  }

  used(kind: 'calls' | 'posts' | 'comments' | 'ip', who: string): number {
    return this.counters.get(`${Math.floor(this.now().getTime() / 3600_000)}:${kind}:${who}`) ?? 0;
  }

  /** Start of the next hourly window. */
  resetTime(): Date {
    return new Date((Math.floor(this.now().getTime() / 3600_000) + 1) * 3600_000);
  }
}
