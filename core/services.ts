import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { ChannelId } from '../channels/types.ts';
import { createCalendarStore } from './calendar/calendar-store.ts';
import { createDisclosureDeps } from './disclosures/deps.ts';
import { createPublicCache, type PublicCacheOptions } from './public-cache.ts';

export interface ServiceOptions {
  logger?: Logger;
  now?: () => Date;
  /** Channels each public change is queued for. */
  fanOutChannels?: readonly ChannelId[];
  /** Starts the fan-out of freshly queued outbox entries (the job queue in production). */
  enqueueFanOut?: (disclosureId: string, outboxKeys: string[]) => Promise<void>;
  /** Public responses' cache: how often to look for other processes' changes, and its clock. */
  publicCache?: Pick<PublicCacheOptions, 'crossProcessMs' | 'now'>;
}

/** The shared business services of one process, wired on its database connection. */
export function createServices(db: Connection, options: ServiceOptions = {}) {
  const calendar = createCalendarStore(db);
  const publicCache = createPublicCache(db, { logger: options.logger, ...options.publicCache });
  const enqueue = async (disclosureId: string, keys: string[]) => {
    // The outbox is already written; if this fails, the sweeper job enqueues it later.
    if (keys.length && options.enqueueFanOut) {
      await options.enqueueFanOut(disclosureId, keys).catch((error: unknown) => options.logger?.warn({ err: error, disclosureId }, 'fan-out enqueue failed; the sweeper will retry'));
    }
  };
  const disclosures = createDisclosureDeps(db, calendar, {
    logger: options.logger,
    now: options.now,
    fanOutChannels: options.fanOutChannels,
    onPublicChange: (doc, keys) => {
      void publicCache.invalidate();
      void enqueue(doc._id.toHexString(), keys);
    },
  });
  return { calendar, publicCache, disclosures, enqueue };
}

export type Services = ReturnType<typeof createServices>;
