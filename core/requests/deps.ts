import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { recordAudit, type AuditActor } from '../audit.ts';
import type { CalendarStore } from '../calendar/calendar-store.ts';
import type { SealKeys } from '../crypto/sealed.ts';
import { UnavailableError } from '../errors.ts';
import type { RequestReadModel } from '../read-model/request-types.ts';
import type { VersionClaim } from '../store/versioned.ts';
import { createRequestSync, requestStore, type RequestStore } from './request-store.ts';
import type { InfoRequestRecord, StoredEvent } from './request.model.ts';
import type { RequestNotices } from './notify.ts';

/** What the request use cases need; wired once in core/services.ts. */
export interface RequestDeps {
  db: Connection;
  store: RequestStore;
  readModel: RequestReadModel;
  calendar: CalendarStore;
  /** Absent: requests cannot be taken (nothing personal may be stored unsealed). */
  keys?: SealKeys;
  now: () => Date;
  logger?: Logger;
  /** After a write: the projection's row, then the journal entry is let go. */
  written: (doc: InfoRequestRecord, claim: VersionClaim) => Promise<void>;
  /** Mini-program subscribe messages for residents' requests; absent: none are sent. */
  notices?: RequestNotices;
  /** Copies an event already on its request into the audit log (idempotent by its id). */
  audit: (doc: InfoRequestRecord, event: StoredEvent, actor: AuditActor) => Promise<void>;
}

export function createRequestDeps(db: Connection, calendar: CalendarStore, options: { readModel: RequestReadModel; keys?: SealKeys; now?: () => Date; logger?: Logger; notices?: RequestNotices }) {
  const store = requestStore(db);
  const now = options.now ?? (() => new Date());
  const sync = createRequestSync({ store, readModel: options.readModel, calendar: () => calendar.current(), logger: options.logger, now });
  const deps: RequestDeps = {
    db,
    store,
    readModel: options.readModel,
    calendar,
    keys: options.keys,
    ...(options.notices ? { notices: options.notices } : {}),
    now,
    logger: options.logger,
    written: async (doc, claim) => {
      try {
        await sync.written(doc, claim);
      } catch (error) {
        // The write is done; its journal entry stays and the sync applies it later.
        options.logger?.warn({ err: error, requestId: doc._id }, 'request read model apply failed; the sync retries it');
      }
    },
    audit: (doc, event, actor) =>
      recordAudit(db, {
        id: `request:${doc._id}:${doc.events.indexOf(event) + 1}`,
        action: `request.${event.type}`,
        actor,
        agencyCode: doc.agencyCode,
        subject: doc._id,
        detail: auditDetail(event),
        at: event.at,
      }),
  };
  return { deps, sync };
}

/** What the audit keeps of an event: its kind and legal facts, never the requester's data. */
function auditDetail(event: StoredEvent): Record<string, unknown> {
  const { type: _type, at: _at, note: _note, ...rest } = event as StoredEvent & Record<string, unknown>;
  delete rest.items;
  return rest;
}

export function requireKeys(deps: RequestDeps): SealKeys {
  if (!deps.keys) throw new UnavailableError('information requests need DATA_ENCRYPTION_KEY to be configured');
  return deps.keys;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
