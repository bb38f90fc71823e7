import type { ReactionInput, WeiboFault, WeiboRateLimits, WeiboSandboxState } from './weibo-state.ts';

/** What tests (and `/sandbox/admin/weibo/*`) can do to the fake api.weibo.com. */
export interface WeiboSandboxControl {
  /** A new token for `uid`, valid `expiresInSeconds` (default one day, like an unaudited app). */
  issueToken(uid: string, options?: { expiresInSeconds?: number }): string;
  /** The user withdrew the authorisation: the token answers 21316. */
  revokeToken(token: string): void;
  /** Replaces the app's safe domains (a status must link to one of them or get 10017). */
  setSafeDomain(domain: string | string[]): void;
  /** Adds a comment to a status; returns its idstr. */
  addComment(statusId: string, input: ReactionInput): string;
  /** Adds a repost of a status; returns its idstr. */
  addRepost(statusId: string, input: ReactionInput): string;
  /** Adds a post by someone else that @-mentions `uid` (default: the default token's user); returns its idstr. */
  addMention(input: ReactionInput, uid?: string): string;
  /** Queues a scripted failure for the next `count` matching requests. */
  fault(fault: WeiboFault): void;
  /** Changes hourly quotas from now on (counters already used stay). */
  setRateLimit(limits: Partial<WeiboRateLimits>): void;
  /** Posted statuses, oldest first. */
  statuses(): { idstr: string; uid: string; text: string; createdAt: string }[];
  /** Back to the options given at creation: default token, domains, limits; no posts, faults or counters. */
  reset(): void;
}

export function weiboControl(state: WeiboSandboxState): WeiboSandboxControl {
  return {
    issueToken: (uid, options) => state.issueToken(uid, options),
    revokeToken: (token) => {
      const grant = state.tokens.get(token);
      if (grant) grant.revoked = true;
    },
    setSafeDomain: (domain) => {
      state.safeDomains = Array.isArray(domain) ? [...domain] : [domain];
    },
    addComment: (statusId, input) => state.addReaction('comments', statusId, input),
    addRepost: (statusId, input) => state.addReaction('reposts', statusId, input),
    addMention: (input, uid) => state.addMention(input, uid),
    fault: (fault) => {
      state.faults.push({ ...fault, count: fault.count ?? 1 });
    },
    setRateLimit: (limits) => {
      state.limits = { ...state.limits, ...limits };
    },
    statuses: () =>
      [...state.statuses.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((s) => ({ idstr: s.id.toString(), uid: s.user.id, text: s.text, createdAt: s.createdAt.toISOString() })),
    reset: () => state.reset(),
  };
}
