import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { actorKind, recordAudit } from '../audit.ts';
import type { ChannelId } from '../../channels/types.ts';
import type { CalendarStore } from '../calendar/calendar-store.ts';
import type { DisclosureEvent, DisclosureRecord } from '../models/disclosure.model.ts';
import type { ReadModel } from '../read-model/types.ts';
import { disclosureStore, type DisclosureClaim, type DisclosureStore } from '../store/disclosure-store.ts';

/** What the disclosure use cases need; wired once in core/services.ts, replaced in tests. */
export interface DisclosureDeps {
  db: Connection;
  store: DisclosureStore;
  /** Every list, search, count and report (core/read-model/). */
  readModel: ReadModel;
  calendar: CalendarStore;
  now: () => Date;
  logger?: Logger;
  /** Copies an event that is already on its document into the audit log (idempotent). */
  audit: (disclosure: DisclosureRecord, event: DisclosureEvent) => Promise<void>;
  /** Channels every public change is queued for (in the same write as the change). */
  fanOutChannels: readonly ChannelId[];
  /**
   * After a write: its effects (read model row, caches, fan-outs), then its journal entry is let
   * go (core/read-model/sync.ts). Awaited, so the answer to the request already shows the change.
   */
  written: (disclosure: DisclosureRecord, claim: DisclosureClaim) => Promise<void>;
}

export function createDisclosureDeps(
  db: Connection,
  calendar: CalendarStore,
  options: {
    readModel: ReadModel;
    written: DisclosureDeps['written'];
    store?: DisclosureStore;
    logger?: Logger;
    now?: () => Date;
    fanOutChannels?: readonly ChannelId[];
  },
): DisclosureDeps {
  return {
    db,
    store: options.store ?? disclosureStore(db),
    readModel: options.readModel,
    calendar,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
    fanOutChannels: options.fanOutChannels ?? [],
    written: options.written,
    audit: (disclosure, event) =>
      recordAudit(db, {
        id: `disclosure:${disclosure._id.toHexString()}:${event.seq}`,
        action: `disclosure.${event.action}`,
        actor: { kind: actorKind(event.keyId), keyId: event.keyId, role: event.role, agencyCode: disclosure.agencyCode },
        agencyCode: disclosure.agencyCode,
        subject: disclosure._id.toHexString(),
        contentHash: event.contentHash,
        detail: { revision: event.revision, ...(event.note ? { note: event.note } : {}) },
        at: event.at,
      }),
  };
}
