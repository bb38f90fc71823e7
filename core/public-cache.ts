import { createHash } from 'node:crypto';
import { ObjectId, type Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';

export interface PublicCacheOptions {
  /**
   * How stale a response may be after another process changes something public: the shared
   * stamp is read at most once per this many ms. This process's own changes apply at once.
   */
  crossProcessMs?: number;
  /** Memory for bodies, in total: characters plus their UTF-8 bytes. */
  maxChars?: number;
  maxEntries?: number;
  now?: () => number;
  logger?: Logger;
}

export type Rendered = { body: string };
/** `bytes` is the body encoded once (UTF-8), so a hit costs no re-encoding of a large feed. */
export type Cached<T extends Rendered> = T & { etag: string; bytes: Buffer };

interface Entry {
  generation: number;
  stamp: string;
  size: number;
  value: Promise<Cached<Rendered>>;
  /** The value once rendered, for `peek`. */
  resolved?: Cached<Rendered>;
}

const STAMP_ID = 'public';
const BUMP_ATTEMPTS = 5;

/**
 * The one document every process reads to learn that another one changed something public.
 * Its value is set to a fresh id on each change, never incremented: FerretDB 1.x loses
 * concurrent updates of one document, but whichever `$set` lands last still differs from
 * every value a reader saw before the change, which is all invalidation needs.
 */
function stamps(db: Connection): Collection<{ _id: string; value: string; at: Date }> {
  return db.collection('public_epoch') as unknown as Collection<{ _id: string; value: string; at: Date }>;
}

/**
 * Rendered public responses (list pages, details, feeds), keyed by normalised request. An
 * entry is served while this process has made no public change since it was rendered and the
 * shared stamp is the one read before rendering began, so a hit costs no query. Concurrent
 * misses of one key render once; a failed render is not kept.
 */
export function createPublicCache(db: Connection, options: PublicCacheOptions = {}) {
  const { crossProcessMs = 1000, maxChars = 32 * 1024 * 1024, maxEntries = 2000, now = Date.now, logger } = options;
  const entries = new Map<string, Entry>();
  let chars = 0;
  let generation = 0;
  let stamp: { value: string; checkedAt: number } | undefined;
  let reading: Promise<string> | undefined;
  let bumping: Promise<void> = Promise.resolve();

  function currentStamp(): string | Promise<string> {
    if (stamp && now() - stamp.checkedAt < crossProcessMs) return stamp.value;
    reading ??= stamps(db)
      .findOne({ _id: STAMP_ID }, { projection: { value: 1 } })
      .then((doc) => {
        stamp = { value: doc?.value ?? '', checkedAt: now() };
        return stamp.value;
      })
      .finally(() => (reading = undefined));
    return reading;
  }

  function drop(key: string, entry: Entry): void {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    chars -= entry.size;
  }

  /** The entry of `key` if nothing public changed since it was rendered, moved to most recently used. */
  function currentEntry(key: string, currentStampValue: string): Entry | undefined {
    const hit = entries.get(key);
    if (!hit || hit.generation !== generation || hit.stamp !== currentStampValue) return undefined;
    entries.delete(key);
    entries.set(key, hit);
    return hit;
  }

  function evict(): void {
    // Map order is least recently used first: hits re-insert their entry.
    for (const [key, entry] of entries) {
      if (chars <= maxChars && entries.size <= maxEntries) return;
      drop(key, entry);
    }
  }

  async function bump(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const value = new ObjectId().toHexString();
        await stamps(db).updateOne({ _id: STAMP_ID }, { $set: { value, at: new Date() } }, { upsert: true });
        return;
      } catch (error) {
        if (attempt >= BUMP_ATTEMPTS) {
          logger?.error({ err: error }, 'public change not signalled to other API processes; their caches may serve it late');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  return {
    /** The cached rendering of `key`, or `render()`'s, with a strong ETag over the body. */
    async get<T extends Rendered>(key: string, render: () => Promise<T>): Promise<Cached<T>> {
      const seen = currentStamp();
      const current = typeof seen === 'string' ? seen : await seen;
      const fresh = currentEntry(key, current);
      if (fresh) return fresh.value as Promise<Cached<T>>;
      const hit = entries.get(key);
      if (hit) drop(key, hit);
      const entry: Entry = { generation, stamp: current, size: 0, value: undefined as never };
      const value = render().then((rendered) => {
        const bytes = Buffer.from(rendered.body, 'utf8');
        entry.size = rendered.body.length + bytes.length;
        if (entries.get(key) === entry) {
          chars += entry.size;
          evict();
        }
        return (entry.resolved = { ...rendered, bytes, etag: etagOf(rendered.body) });
      });
      entry.value = value;
      entries.set(key, entry);
      value.catch(() => drop(key, entry));
      return value;
    },
    /**
     * The rendering `get(key)` would return, when it is rendered and is known to be current
     * without asking the database (the shared stamp was read within crossProcessMs); otherwise
     * undefined, and the caller goes the `get` way.
     */
    peek(key: string): Cached<Rendered> | undefined {
      if (!stamp || now() - stamp.checkedAt >= crossProcessMs) return undefined;
      return currentEntry(key, stamp.value)?.resolved;
    },
    /**
     * Called by this process right after it changed something public: its own cache empties
     * at once, and the shared stamp moves so other processes follow within crossProcessMs.
     */
    invalidate(): Promise<void> {
      generation++;
      entries.clear();
      chars = 0;
      stamp = undefined;
      bumping = bumping.then(bump);
      return bumping;
    },
    /** Resolves once every stamp change this process started has been written (or given up). */
    settled(): Promise<void> {
      return bumping;
    },
    get size() {
      return entries.size;
    },
  };
}

export type PublicCache = ReturnType<typeof createPublicCache>;

export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
