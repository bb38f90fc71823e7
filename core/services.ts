import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { createCalendarStore } from './calendar/calendar-store.ts';
import { createDisclosureDeps } from './disclosures/deps.ts';
import { createFeedCache } from './feeds/feed-cache.ts';

/** The shared business services of one process, wired on its database connection. */
export function createServices(db: Connection, options: { logger?: Logger; now?: () => Date } = {}) {
  const calendar = createCalendarStore(db);
  const feeds = createFeedCache(db);
  const disclosures = createDisclosureDeps(db, calendar, {
    logger: options.logger,
    now: options.now,
    onPublicChange: () => feeds.invalidate(),
  });
  return { calendar, feeds, disclosures };
}

export type Services = ReturnType<typeof createServices>;
