import { VersionConflict } from '../store/versioned.ts';
import type { Principal } from '../agencies/api-keys.ts';
import { findItemType } from '../catalogue/index.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.ts';
import {
  type DisclosureEvent,
  type DisclosureRecord,
  type Revision,
} from '../models/disclosure.model.ts';
import { outboxFields, type ChangeKey } from '../fanout/outbox-keys.ts';
import { requireItemType, validateContent } from './content.ts';
import { revisionHash } from './create.ts';
import type { DisclosureDeps } from './deps.ts';
import type { ReviseDisclosureInput } from './input.ts';
import { indexTokens } from './search-tokens.ts';
import { publicStrings } from './withholding.ts';

export type PlannedEvent = Pick<DisclosureEvent, 'action' | 'revision' | 'contentHash' | 'note'>;

export type Plan =
  | { unchanged: true }
  | {
      set: Partial<DisclosureRecord>;
      /** Several when one write is several steps, e.g. an approval and the publication it makes. */
      event: PlannedEvent | PlannedEvent[];
      /** The public change this transition makes, to be delivered on every channel. */
      change?: ChangeKey;
      unset?: (keyof DisclosureRecord)[];
    };

export type ChangePlan = Extract<Plan, { set: unknown }>;

/**
 * Every state change is one versioned single-document write (core/store/versioned.ts): read,
 * plan, claim the next version, update conditionally; a request that loses the claim plans
 * again on the fresh copy. The claim stays in the journal until the write's effects (read
 * model, caches, fan-outs) are done, so a crash in between loses none of them.
 */
export async function transition(
  deps: DisclosureDeps,
  principal: Principal,
  id: string,
  plan: (doc: DisclosureRecord, now: Date) => Plan,
): Promise<DisclosureRecord> {
  let events: DisclosureEvent[] = [];
  const result = await deps.store
    .write(id, principal.keyId, deps.now, (doc, now) => {
      if (doc.agencyCode !== principal.agencyCode) {
        throw new ForbiddenError('this disclosure belongs to another agency (谁公开: only the responsible agency may change it)');
      }
      const planned = plan(doc, now);
      if ('unchanged' in planned) return null;
      events = [planned.event].flat().map((e, i) => ({ ...e, seq: doc.events.length + 1 + i, at: now, keyId: principal.keyId, role: principal.role }));
      const outbox = planned.change ? outboxFields(doc, planned.change, deps.fanOutChannels, now) : undefined;
      return {
        set: { ...planned.set, ...outbox?.fields, updatedAt: now },
        push: { events: events.length === 1 ? events[0]! : { $each: events } },
        unset: planned.unset,
        // A review request or rejection changes nothing the public sees.
        intent: { outboxKeys: outbox?.keys ?? [], publicChange: Boolean(planned.change) },
      };
    })
    .catch((error: unknown) => {
      if (error instanceof VersionConflict) throw new ConflictError('the disclosure is being changed by another request; try again');
      throw error;
    });
  if (!result) throw new NotFoundError(`no disclosure ${id}`);
  if (!result.changed) return result.doc;
  for (const event of events) await deps.audit(result.doc, event);
  await deps.written(result.doc, result.claim);
  return result.doc;
}

/** What search and subscriptions may see of a revision: never withheld values. */
export function publicIndex(doc: DisclosureRecord, revision: Revision) {
  const found = findItemType(doc.field, doc.itemType);
  const visible = { ...revision.content };
  for (const { path } of revision.withheld) delete visible[path];
  let applicationNumbers: string[] = [];
  try {
    applicationNumbers = found?.itemType.applicationNumbers?.(visible) ?? [];
  } catch {
    applicationNumbers = []; // the numbers' list itself is withheld
  }
  const texts = [revision.title, doc.agencyName, doc.projectCode ?? '', found?.field.name ?? '', found?.itemType.name ?? ''];
  return { searchTokens: indexTokens([...texts, ...publicStrings(revision)]), applicationNumbers };
}

/**
 * Publishes without review: callers that answer to an agency's 先审后发 setting go through
 * review.ts, which uses this plan once a reviewer approved (or an admin published urgently).
 */
export function publishDisclosure(deps: DisclosureDeps, principal: Principal, id: string) {
  return transition(deps, principal, id, (doc, now) => {
    if (doc.status === 'withdrawn') throw new ConflictError('a withdrawn disclosure cannot be published again');
    if (doc.status !== 'draft') return { unchanged: true }; // a retried publish
    return publishPlan(doc, now);
  });
}

/** The first publication of a draft's revision, as it stands. */
export function publishPlan(doc: DisclosureRecord, now: Date): ChangePlan & { event: PlannedEvent } {
  const revision: Revision = { ...doc.revisions[0]!, publishedAt: now };
  return {
    set: {
      status: 'published',
      revisions: [revision],
      publishedAt: now,
      lastPublishedAt: now,
      publicChangedAt: now,
      onTime: now.getTime() <= doc.dueAt.getTime(),
      ...publicIndex(doc, revision),
    },
    unset: ['review'],
    event: { action: 'publish', revision: 1, contentHash: revision.contentHash },
    change: 'r1',
  };
}

export function reviseDisclosure(deps: DisclosureDeps, principal: Principal, id: string, input: ReviseDisclosureInput) {
  return transition(deps, principal, id, revisionPlan(input));
}

/** A draft is edited in place; a public item gets a correction. */
export function revisionPlan(input: ReviseDisclosureInput) {
  return (doc: DisclosureRecord, now: Date): Plan => {
    const next = nextRevision(doc, input, now);
    if (doc.status === 'draft') {
      return {
        set: { revisions: [next], title: next.title },
        event: { action: 'edit', revision: 1, contentHash: next.contentHash },
      };
    }
    return correctionPlan(doc, next, now);
  };
}

/** The revision an edit (of a draft) or a correction (of a public item) would write, checked. */
export function nextRevision(doc: DisclosureRecord, input: ReviseDisclosureInput, now: Date): Revision {
  if (doc.status === 'withdrawn') throw new ConflictError('a withdrawn disclosure cannot be revised');
  const last = doc.revisions[doc.revisions.length - 1]!;
  const withheld = input.withheld ?? last.withheld;
  const content = validateContent(requireItemType(doc.field, doc.itemType), input.content ?? last.content, withheld);
  const next: Revision = {
    n: doc.status === 'draft' ? 1 : last.n + 1,
    title: input.title ?? last.title,
    content,
    withheld,
    attachments: input.attachments ?? last.attachments,
    ...(input.note ? { note: input.note } : {}),
    contentHash: '',
    createdAt: now,
  };
  next.contentHash = revisionHash(next);
  if (doc.status === 'draft') return next;
  if (!input.note) {
    throw new ValidationError('invalid note', [{ path: 'note', message: 'a correction needs a public change note (变更说明)' }]);
  }
  if (next.contentHash === last.contentHash) {
    throw new ValidationError('the revision changes nothing', [{ path: '(body)', message: 'same as the current revision' }]);
  }
  return next;
}

/** Publishes a correction's revision (built by nextRevision) after the current one. */
export function correctionPlan(doc: DisclosureRecord, revision: Revision, now: Date): ChangePlan & { event: PlannedEvent } {
  const next: Revision = { ...revision, publishedAt: now };
  return {
    set: {
      status: 'corrected',
      title: next.title,
      revisions: [...doc.revisions, next],
      lastPublishedAt: now,
      publicChangedAt: now,
      ...publicIndex(doc, next),
    },
    unset: ['review'],
    event: { action: 'correct', revision: next.n, contentHash: next.contentHash, note: next.note },
    change: `r${next.n}`,
  };
}

export function withdrawDisclosure(deps: DisclosureDeps, principal: Principal, id: string, reason: string) {
  return transition(deps, principal, id, (doc, now) => {
    if (doc.status === 'draft') throw new ConflictError('a draft is not public, so there is nothing to withdraw');
    if (doc.status === 'withdrawn') return { unchanged: true };
    return {
      set: { status: 'withdrawn', withdrawnAt: now, withdrawReason: reason, publicChangedAt: now },
      // A correction waiting for review can no longer be published.
      unset: ['review'],
      event: { action: 'withdraw', revision: doc.revisions.length, contentHash: doc.revisions[doc.revisions.length - 1]!.contentHash, note: reason },
      change: 'withdrawn',
    };
  });
}
