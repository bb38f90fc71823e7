import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import { disclosureCollection } from '../models/disclosure.model.ts';

export interface CachedFeed {
  body: string;
  etag: string;
  lastModified: Date;
}

export interface FeedCacheOptions {
  /** How stale a feed may be after another process publishes; this process invalidates at once. */
  crossProcessMs?: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Rendered feeds, keyed by format and filters. An entry is valid while the newest public change
 * in the database is the one it was built on; that marker is read at most once per
 * crossProcessMs, so a cached feed costs no query. Concurrent misses render once.
 */
export function createFeedCache(db: Connection, options: FeedCacheOptions = {}) {
  const { crossProcessMs = 1000, maxEntries = 500, now = Date.now } = options;
  const entries = new Map<string, { marker: number; feed: Promise<CachedFeed> }>();
  let marker: { value: number; checkedAt: number } | undefined;

  async function currentMarker(): Promise<number> {
    if (marker && now() - marker.checkedAt < crossProcessMs) return marker.value;
    const newest = await disclosureCollection(db)
      .find({ publicChangedAt: { $exists: true } }, { projection: { publicChangedAt: 1 } })
      .sort({ publicChangedAt: -1 })
      .limit(1)
      .next();
    marker = { value: newest?.publicChangedAt?.getTime() ?? 0, checkedAt: now() };
    return marker.value;
  }

  return {
    async get(key: string, render: () => Promise<{ body: string; lastModified: Date }>): Promise<CachedFeed> {
      const current = await currentMarker();
      const hit = entries.get(key);
      if (hit && hit.marker === current) return hit.feed;
      const feed = render().then(({ body, lastModified }) => ({
        body,
        lastModified,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      }));
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, { marker: current, feed });
      feed.catch(() => entries.delete(key));
      return feed;
    },
    /** Called by this process right after it changes something public. */
    invalidate(): void {
      marker = undefined;
      entries.clear();
    },
  };
}

export type FeedCache = ReturnType<typeof createFeedCache>;
