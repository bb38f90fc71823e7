import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mongoose';
import type { TokenStore } from '../../channels/types.ts';
import { isDuplicateKeyError } from '../db.ts';

/** One document per appid in `wechat_tokens`. */
export interface TokenDoc {
  _id: string;
  accessToken: string;
  expiresAt: Date;
  /** When the next refresh is due: expiresAt − refreshMargin, or sooner for a short-lived token. */
  refreshAt: Date;
}

/** The refresher's lease, one per appid in `wechat_token_leases`, taken by inserting it. */
interface LeaseDoc {
  _id: string;
  leaseOwner: string;
  leaseUntil: Date;
}

export interface MongoTokenStoreOptions {
  /** Refresh when less than this is left; default 10 minutes. */
  refreshMarginMs?: number;
  /** How long a process reuses a token without re-reading the document; default 60 s (never past refreshAt). */
  cacheMs?: number;
  /** A token with less than this left is never handed out; default 60 s. */
  minValidMs?: number;
  /** How long a refresher holds its lease before another process may take over; default 30 s. */
  leaseMs?: number;
  /** Polling interval, and its bound, while another process refreshes and no usable token exists. */
  pollMs?: number;
  waitLimitMs?: number;
  collection?: string;
  leaseCollection?: string;
  now?: () => number;
}

type Fetch = Parameters<TokenStore['get']>[1];

/**
 * The shared WeChat access-token store: N processes → one fetch per refresh.
 *
 * A token is fresh until `refreshAt`. After that, the process that inserts the lease document
 * fetches and writes the new token while the others keep using the current one if it is still
 * usable, or poll for the new one if there is none. The lease is an insert on a unique `_id` and
 * invalidation a conditional delete, not conditional updates: FerretDB 1.x (SQLite) runs updates
 * and findAndModify as read-then-write without isolation, so two processes could both "win" a
 * conditional update (FerretDB/FerretDB#3040); inserts and deletes are atomic there as on MongoDB.
 */
export function createMongoTokenStore(db: Connection, options: MongoTokenStoreOptions = {}): TokenStore {
  const margin = options.refreshMarginMs ?? 10 * 60_000;
  const cacheMs = options.cacheMs ?? 60_000;
  const minValid = options.minValidMs ?? 60_000;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const waitLimitMs = options.waitLimitMs ?? 15_000;
  const now = options.now ?? Date.now;
  const tokens = () => db.collection<TokenDoc>(options.collection ?? 'wechat_tokens');
  const leases = () => db.collection<LeaseDoc>(options.leaseCollection ?? `${options.collection ?? 'wechat_tokens'}_leases`);
  const cache = new Map<string, { token: string; until: number }>();
  const inflight = new Map<string, Promise<string>>();

  const usable = (doc: TokenDoc | null, at: number): doc is TokenDoc => !!doc && doc.expiresAt.getTime() - at > minValid;
  const fresh = (doc: TokenDoc | null, at: number): boolean => usable(doc, at) && doc.refreshAt.getTime() > at;
  const remember = (doc: TokenDoc, at: number) => {
    const until = Math.min(at + cacheMs, doc.refreshAt.getTime());
    if (until > at) cache.set(doc._id, { token: doc.accessToken, until });
    return doc.accessToken;
  };

  async function takeLease(appId: string, owner: string): Promise<boolean> {
    const at = now();
    // A lease left by a crashed refresher expires; deleting it is conditional, so only one process does.
    await leases().deleteOne({ _id: appId, leaseUntil: { $lte: new Date(at) } });
    try {
      await leases().insertOne({ _id: appId, leaseOwner: owner, leaseUntil: new Date(at + leaseMs) });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async function refresh(appId: string, fetch: Fetch): Promise<TokenDoc> {
    const fetched = await fetch();
    const at = now();
    const lifeMs = fetched.expiresInSeconds * 1000;
    // A token with less than the margin left (stable_token's last minutes before it rotates) is
    // fetched again a minute later at the earliest, not on every call.
    const doc: TokenDoc = {
      _id: appId,
      accessToken: fetched.accessToken,
      expiresAt: new Date(at + lifeMs),
      refreshAt: new Date(at + Math.max(lifeMs - margin, Math.min(60_000, lifeMs / 2))),
    };
    await tokens().replaceOne({ _id: appId }, doc, { upsert: true }).catch(async (error: unknown) => {
      if (!isDuplicateKeyError(error)) throw error;
      await tokens().replaceOne({ _id: appId }, doc); // a concurrent upsert inserted it first
    });
    return doc;
  }

  async function load(appId: string, fetch: Fetch): Promise<string> {
    const owner = randomUUID();
    const deadline = now() + waitLimitMs;
    for (;;) {
      const doc = await tokens().findOne({ _id: appId });
      if (doc && fresh(doc, now())) return remember(doc, now());
      if (await takeLease(appId, owner)) {
        try {
          // The previous holder may have written a new token just before it let go.
          const again = await tokens().findOne({ _id: appId });
          return remember(again && fresh(again, now()) ? again : await refresh(appId, fetch), now());
        } finally {
          await leases().deleteOne({ _id: appId, leaseOwner: owner });
        }
      }
      // Someone else is refreshing: the current token still works meanwhile.
      if (usable(doc, now())) return doc.accessToken;
      if (now() > deadline) throw new Error(`wechat token store: no token for ${appId} after ${waitLimitMs} ms (another process holds the refresh)`);
      await sleep(pollMs);
    }
  }

  return {
    async get(appId, fetch) {
      const cached = cache.get(appId);
      if (cached && cached.until > now()) return cached.token;
      // Concurrent callers in this process share one read (and at most one fetch).
      let pending = inflight.get(appId);
      if (!pending) {
        pending = load(appId, fetch).finally(() => inflight.delete(appId));
        inflight.set(appId, pending);
      }
      return pending;
    },

    async invalidate(appId, token) {
      if (cache.get(appId)?.token === token) cache.delete(appId);
      // Only while it is still that token: another process may already have written a new one.
      await tokens().deleteOne({ _id: appId, accessToken: token });
    },
  };
}
