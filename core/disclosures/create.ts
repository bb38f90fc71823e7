import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { dueDate, todayInChina } from '../calendar/due-date.ts';
import { isDuplicateKeyError } from '../db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import type { DisclosureRecord, Revision } from '../models/disclosure.model.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import { requireItemType, validateContent } from './content.ts';
import type { DisclosureDeps } from './deps.ts';
import type { CreateDisclosureInput } from './input.ts';

/** 110105 → 11 (province), 1101 (city), 110105 (county): a region filter is then one equality. */
export function regionPath(region: string): string[] {
  return [region.slice(0, 2), region.slice(0, 4), region];
}

/** The filter value for a region code: 110000 means all of 11, 110100 all of 1101. */
export function regionPrefix(region: string): string {
  return region.replace(/(00)+$/, '') || region;
}

export function revisionHash(r: Pick<Revision, 'title' | 'content' | 'withheld' | 'attachments'>): string {
  return sha256(canonicalJson({ title: r.title, content: r.content, withheld: r.withheld, attachments: r.attachments }));
}

/**
 * Creates a draft as the caller's agency (谁公开). With an Idempotency-Key, a retried
 * request returns the disclosure the first one made; the unique index decides the race.
 */
export async function createDisclosure(
  deps: DisclosureDeps,
  principal: Principal,
  input: CreateDisclosureInput,
  idempotencyKey?: string,
): Promise<{ disclosure: DisclosureRecord; replayed: boolean }> {
  const itemType = requireItemType(input.field, input.itemType);
  const content = validateContent(itemType, input.content, input.withheld);
  const now = deps.now();
  if (input.formedAt > todayInChina(now)) {
    throw new ValidationError('invalid formedAt', [{ path: 'formedAt', message: 'must not be in the future' }]);
  }
  const agency = await agencyModel(deps.db).findOne({ code: principal.agencyCode }).lean();
  if (!agency) throw new NotFoundError(`agency ${principal.agencyCode} no longer exists`);

  const requestHash = sha256(canonicalJson(input));
  const key = idempotencyKey ? `${principal.agencyCode}:${idempotencyKey}` : `${principal.agencyCode}:${randomUUID()}`;
  const due = dueDate(await deps.calendar.current(), input.formedAt, itemType.decision);
  if (due.calendarGaps.length) {
    deps.logger?.warn({ years: due.calendarGaps }, 'due date assumes Mon–Fri: no holiday arrangement loaded for these years');
  }
  const revision: Revision = {
    n: 1,
    title: input.title,
    content,
    withheld: input.withheld,
    attachments: input.attachments,
    contentHash: '',
    createdAt: now,
  };
  revision.contentHash = revisionHash(revision);
  const record: DisclosureRecord = {
    _id: new Types.ObjectId(),
    agencyCode: principal.agencyCode,
    agencyName: agency.name,
    field: input.field,
    itemType: input.itemType,
    title: input.title,
    region: input.region,
    regionPath: regionPath(input.region),
    ...(input.projectCode ? { projectCode: input.projectCode } : {}),
    ...(input.broadcast ? { broadcast: true } : {}),
    formedAt: input.formedAt,
    basis: input.basis,
    status: 'draft',
    revisions: [revision],
    dueOn: due.dueOn,
    dueAt: due.dueAt,
    calendarGaps: due.calendarGaps,
    searchTokens: [],
    applicationNumbers: [],
    idempotencyKey: key,
    requestHash,
    events: [
      { seq: 1, action: 'create', at: now, keyId: principal.keyId, role: principal.role, revision: 1, contentHash: revision.contentHash },
    ],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  let claim;
  try {
    claim = await deps.store.insert(record, principal.keyId, now);
  } catch (error) {
    if (!isDuplicateKeyError(error) || !idempotencyKey) throw error;
    // Only a retried request gets here; the scan of a lookup by a field other than _id is paid once.
    const first = await deps.store.docs.findOne({ idempotencyKey: key });
    if (!first) throw error;
    if (first.requestHash !== requestHash) {
      throw new ConflictError('this Idempotency-Key was used for a different request', [
        { path: 'Idempotency-Key', message: 'already used with another body' },
      ]);
    }
    return { disclosure: first, replayed: true };
  }
  await deps.audit(record, record.events[0]!);
  await deps.written(record, claim);
  return { disclosure: record, replayed: false };
}
