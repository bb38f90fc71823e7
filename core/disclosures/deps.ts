import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { recordAudit } from '../audit.ts';
import type { ChannelId } from '../../channels/types.ts';
import type { CalendarStore } from '../calendar/calendar-store.ts';
import type { DisclosureEvent, DisclosureRecord } from '../models/disclosure.model.ts';

/** What the disclosure use cases need; wired once in api/ and jobs/, replaced in tests. */
export interface DisclosureDeps {
  db: Connection;
  calendar: CalendarStore;
  now: () => Date;
  logger?: Logger;
  /** Copies an event that is already on its document into the audit log (idempotent). */
  audit: (disclosure: DisclosureRecord, event: DisclosureEvent) => Promise<void>;
  /** Channels every public change is queued for (in the same write as the change). */
  fanOutChannels: readonly ChannelId[];
  /** Called after anything the public sees changed: feeds drop their cache, fan-out starts. */
  onPublicChange: (disclosure: DisclosureRecord, outboxKeys: string[]) => void;
}

export function createDisclosureDeps(
  db: Connection,
  calendar: CalendarStore,
  options: {
    logger?: Logger;
    now?: () => Date;
    fanOutChannels?: readonly ChannelId[];
    onPublicChange?: (d: DisclosureRecord, outboxKeys: string[]) => void;
  } = {},
): DisclosureDeps {
  return {
    db,
    calendar,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    fanOutChannels: options.fanOutChannels ?? [],
    onPublicChange: options.onPublicChange ?? (() => undefined),
    audit: (disclosure, event) =>
      recordAudit(db, {
        id: `disclosure:${disclosure._id.toHexString()}:${event.seq}`,
        action: `disclosure.${event.action}`,
        actor: { kind: 'key', keyId: event.keyId, role: event.role, agencyCode: disclosure.agencyCode },
        agencyCode: disclosure.agencyCode,
        subject: disclosure._id.toHexString(),
        contentHash: event.contentHash,
        detail: { revision: event.revision, ...(event.note ? { note: event.note } : {}) },
        at: event.at,
      }),
  };
}
