import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { recordAudit } from '../audit.ts';
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
  /** Called after anything the public sees changed: feeds drop their cache, fan-out starts. */
  onPublicChange: (disclosure: DisclosureRecord) => void;
}

export function createDisclosureDeps(
  db: Connection,
  calendar: CalendarStore,
  options: { logger?: Logger; now?: () => Date; onPublicChange?: (d: DisclosureRecord) => void } = {},
): DisclosureDeps {
  return {
    db,
    calendar,
    now: options.now ?? (() => new Date()),
    logger: options.logger,
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
