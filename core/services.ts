import type { Connection } from 'mongoose';
import { createAgencyDirectory, type AgencyDirectoryOptions } from './agencies/directory.ts';
import { markPublicAttachments } from './attachments/access.ts';
import type { Logger } from 'pino';
import type { ChannelId } from '../channels/types.ts';
import { createCalendarStore } from './calendar/calendar-store.ts';
import { createDisclosureDeps } from './disclosures/deps.ts';
import { createPublicCache, type PublicCacheOptions } from './public-cache.ts';
import { createReadModelSync } from './read-model/sync.ts';
import type { ReadModel } from './read-model/types.ts';
import { disclosureStore } from './store/disclosure-store.ts';
import type { SealKeys } from './crypto/sealed.ts';
import { createRequestDeps } from './requests/deps.ts';
import type { RequestNotices } from './requests/notify.ts';

export interface ServiceOptions {
  /** Where lists, search and reports are answered (core/read-model/). */
  readModel: ReadModel;
  logger?: Logger;
  now?: () => Date;
  /** Channels each public change is queued for. */
  fanOutChannels?: readonly ChannelId[];
  /** Starts the fan-out of freshly queued outbox entries (the job queue in production). */
  enqueueFanOut?: (disclosureId: string, outboxKeys: string[]) => Promise<void>;
  /** Public responses' cache: how often to look for other processes' changes, and its clock. */
  publicCache?: Pick<PublicCacheOptions, 'crossProcessMs' | 'now'>;
  /** Keys sealing information requests' personal data (DATA_ENCRYPTION_KEY); absent: requests are refused. */
  dataKeys?: SealKeys;
  /** Mini-program subscribe messages telling residents each step of their requests. */
  requestNotices?: RequestNotices;
  /** The public agency list in memory: how often it is reloaded for other processes' changes, and its clock. */
  agencyDirectory?: Pick<AgencyDirectoryOptions, 'refreshMs' | 'now'>;
}

/** The shared business services of one process, wired on its database connection. */
export function createServices(db: Connection, options: ServiceOptions) {
  const calendar = createCalendarStore(db);
  const publicCache = createPublicCache(db, { logger: options.logger, ...options.publicCache });
  const store = disclosureStore(db);
  const enqueue = async (disclosureId: string, keys: string[]) => {
    // The journal entry stays until this succeeds, so a failure here is retried by the sync.
    if (keys.length && options.enqueueFanOut) await options.enqueueFanOut(disclosureId, keys);
  };
  const sync = createReadModelSync({
    store,
    readModel: options.readModel,
    enqueueFanOut: enqueue,
    invalidatePublic: () => publicCache.invalidate(),
    publicChanged: (doc) => markPublicAttachments(db, doc, options.now?.() ?? new Date()).then(() => undefined),
    logger: options.logger,
    now: options.now,
  });
  const disclosures = createDisclosureDeps(db, calendar, {
    store,
    readModel: options.readModel,
    logger: options.logger,
    now: options.now,
    fanOutChannels: options.fanOutChannels,
    written: async (doc, claim) => {
      try {
        await sync.written(doc, claim);
      } catch (error) {
        // The write itself is done: its journal entry stays, and the sync finishes this later.
        options.logger?.warn({ err: error, disclosureId: doc._id.toHexString() }, 'after-write effects failed; the read model sync retries them');
      }
    },
  });
  const requests = createRequestDeps(db, calendar, { readModel: options.readModel.requests, keys: options.dataKeys, now: options.now, logger: options.logger, notices: options.requestNotices });
  const agencies = createAgencyDirectory(db, { logger: options.logger, ...options.agencyDirectory });
  return { calendar, publicCache, agencies, disclosures, store, readModel: options.readModel, sync, enqueue, requests: requests.deps, requestSync: requests.sync };
}

export type Services = ReturnType<typeof createServices>;
