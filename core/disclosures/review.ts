import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Principal } from '../agencies/api-keys.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { disclosureCollection, type DisclosureRecord, type Revision, type ReviewRecord } from '../models/disclosure.model.ts';
import type { DisclosureDeps } from './deps.ts';
import type { ReviseDisclosureInput } from './input.ts';
import { resolveRequesters } from './requesters.ts';
import {
  correctionPlan,
  nextRevision,
  publishDisclosure,
  publishPlan,
  reviseDisclosure,
  revisionPlan,
  transition,
  type Plan,
  type PlannedEvent,
} from './transitions.ts';
import { toAgencyView } from './views.ts';
import { publicWithheld } from './withholding.ts';

/*
 * 先审后发: when the agency requires review, a publisher's publish or correction only asks for
 * it; a second key (reviewer or admin) approves the exact content hash asked about, and the
 * approval publishes in the same single-document write, on the same version claim as any
 * transition, so concurrent approvals publish once.
 */

const contentHash = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a contentHash (64 lowercase hex digits)' });

export const publishInput = z
  .object({
    urgent: z
      .object({ reason: z.string().trim().min(2).max(500).describe('紧急发布理由（记入审计日志）') })
      .strict()
      .optional()
      .describe('紧急发布：仅管理员，不经审核直接发布'),
  })
  .strict();

export const approveInput = z
  .object({ contentHash: contentHash.optional().describe('审核时看到的内容哈希；与待审内容不一致则拒绝批准') })
  .strict();

export const rejectInput = z.object({ reason: z.string().trim().min(2).max(2000).describe('退回理由（发布者可见）') }).strict();

export type PublishInput = z.infer<typeof publishInput>;

export interface ReviewOutcome {
  doc: DisclosureRecord;
  /** True when the request only asked for review (the API answers 202). */
  inReview: boolean;
}

export async function requiresReview(db: Connection, agencyCode: string): Promise<boolean> {
  const agency = await agencyModel(db).findOne({ code: agencyCode }, { requireReview: 1 }).lean();
  if (!agency) throw new NotFoundError(`no agency ${agencyCode}`);
  return agency.requireReview === true;
}

/** POST /publish: publishes, asks for review, or (admin, with a reason) publishes urgently. */
export async function publishOrRequestReview(deps: DisclosureDeps, principal: Principal, id: string, input: PublishInput = {}): Promise<ReviewOutcome> {
  if (input.urgent) return { doc: await publishUrgently(deps, principal, id, input.urgent.reason), inReview: false };
  if (!(await requiresReview(deps.db, principal.agencyCode))) return { doc: await publishDisclosure(deps, principal, id), inReview: false };
  const doc = await transition(deps, principal, id, (current, now) => {
    if (current.status === 'withdrawn') throw new ConflictError('a withdrawn disclosure cannot be published again');
    if (current.status !== 'draft') return { unchanged: true }; // a retried publish after approval
    const hash = current.revisions[0]!.contentHash;
    if (isPending(current.review, 'publish', hash)) return { unchanged: true }; // a retried request
    return request(principal, now, { kind: 'publish', contentHash: hash }, { action: 'request-review', revision: 1, contentHash: hash });
  });
  return { doc, inReview: doc.status === 'draft' };
}

/** POST /revisions: drafts are edited as always; a correction of a public item waits for review. */
export async function reviseOrRequestReview(deps: DisclosureDeps, principal: Principal, id: string, input: ReviseDisclosureInput): Promise<ReviewOutcome> {
  if (!(await requiresReview(deps.db, principal.agencyCode))) return { doc: await reviseDisclosure(deps, principal, id, input), inReview: false };
  const edit = revisionPlan(input);
  const doc = await transition(deps, principal, id, (current, now) => {
    if (current.status === 'draft') return edit(current, now);
    const next = nextRevision(current, input, now);
    if (isPending(current.review, 'correct', next.contentHash)) return { unchanged: true };
    return request(
      principal,
      now,
      { kind: 'correct', contentHash: next.contentHash, revision: next, note: next.note },
      { action: 'request-review', revision: next.n, contentHash: next.contentHash, note: next.note },
    );
  });
  return { doc, inReview: doc.status !== 'draft' && doc.review?.state === 'pending' };
}

/** A reviewer (or admin) other than the requester publishes exactly what was submitted. */
export function approveReview(deps: DisclosureDeps, principal: Principal, id: string, expectedHash?: string) {
  return transition(deps, principal, id, (doc, now) => {
    const review = pendingReview(doc);
    if (review.requestedBy === principal.keyId) {
      throw new ForbiddenError('the key that asked for review cannot approve it (先审后发 needs a second person)');
    }
    if (expectedHash && expectedHash !== review.contentHash) {
      throw new ConflictError('the content awaiting review is not the content you reviewed', [{ path: 'contentHash', message: `awaiting review: ${review.contentHash}` }]);
    }
    const approval = (revision: number): PlannedEvent => ({ action: 'approve', revision, contentHash: review.contentHash });
    if (review.kind === 'publish') {
      if (doc.status !== 'draft' || doc.revisions[0]!.contentHash !== review.contentHash) {
        throw new ConflictError('the draft changed after review was requested; ask for review again (POST …/publish)');
      }
      const plan = publishPlan(doc, now);
      return { ...plan, event: [approval(1), plan.event] };
    }
    const last = doc.revisions[doc.revisions.length - 1]!;
    if (!review.revision || doc.status === 'withdrawn' || review.revision.n !== last.n + 1) {
      throw new ConflictError('the disclosure changed after this correction was submitted; submit it again');
    }
    const plan = correctionPlan(doc, review.revision, now);
    return { ...plan, event: [approval(review.revision.n), plan.event] };
  });
}

/** Sends the item back with a reason the publisher sees; a draft stays a draft. */
export function rejectReview(deps: DisclosureDeps, principal: Principal, id: string, reason: string) {
  return transition(deps, principal, id, (doc, now) => {
    const review = pendingReview(doc);
    const rejected: ReviewRecord = { ...review, state: 'rejected', rejectedBy: principal.keyId, rejectedAt: now, reason };
    return {
      set: { review: rejected },
      event: { action: 'reject', revision: review.revision?.n ?? 1, contentHash: review.contentHash, note: reason },
    };
  });
}

/** 紧急发布: an admin publishes a draft without review; the reason is kept in the events and audit. */
export function publishUrgently(deps: DisclosureDeps, principal: Principal, id: string, reason: string) {
  if (principal.role !== 'admin') throw new ForbiddenError('urgent publication (紧急发布) needs an admin key');
  return transition(deps, principal, id, (doc, now) => {
    if (doc.status === 'withdrawn') throw new ConflictError('a withdrawn disclosure cannot be published again');
    if (doc.status !== 'draft') return { unchanged: true };
    const plan = publishPlan(doc, now);
    return { ...plan, event: [{ action: 'urgent', revision: 1, contentHash: plan.event.contentHash, note: reason }, plan.event] };
  });
}

/** The agency's items waiting for a reviewer, oldest request first. */
export async function listPendingReviews(deps: Pick<DisclosureDeps, 'db' | 'readModel' | 'store'>, agencyCode: string) {
  const ids = await deps.readModel.pendingReviews(agencyCode, 500);
  // Read back from MongoDB by id: the reviewer sees the content (and withheld values) as stored.
  const docs = (await deps.store.getMany(ids, { projection: { searchTokens: 0 } })).filter((d) => d.agencyCode === agencyCode && d.review?.state === 'pending');
  const requesters = await resolveRequesters(deps.db, agencyCode, docs.map((d) => d.review!.requestedBy));
  return {
    items: docs.map((d) => {
      const view = toReviewedAgencyView(d);
      return { ...view, review: { ...view.review!, requester: requesters.get(d.review!.requestedBy) } };
    }),
  };
}

/** The agency's view plus the review state, so a publisher sees why an item was sent back. */
export function toReviewedAgencyView(doc: DisclosureRecord) {
  return { ...toAgencyView(doc), ...(doc.review ? { review: reviewView(doc, doc.review) } : {}) };
}

function reviewView(doc: DisclosureRecord, review: ReviewRecord) {
  const { revision, ...rest } = review;
  const changed = review.kind === 'publish' && (doc.status !== 'draft' || doc.revisions[0]?.contentHash !== review.contentHash);
  return {
    ...rest,
    ...(revision ? { revision: { ...revision, withheld: publicWithheld(revision.withheld) } } : {}),
    ...(review.state === 'pending' ? { contentChanged: changed } : {}),
  };
}

function isPending(review: ReviewRecord | undefined, kind: ReviewRecord['kind'], hash: string): boolean {
  return review?.state === 'pending' && review.kind === kind && review.contentHash === hash;
}

function pendingReview(doc: DisclosureRecord): ReviewRecord {
  if (doc.review?.state !== 'pending') throw new ConflictError('nothing of this disclosure is awaiting review');
  return doc.review;
}

function request(
  principal: Principal,
  now: Date,
  what: { kind: ReviewRecord['kind']; contentHash: string; revision?: Revision; note?: string },
  event: PlannedEvent,
): Plan {
  const { revision, note, ...rest } = what;
  // Spelled out: the driver would store an undefined field as null.
  const review: ReviewRecord = {
    state: 'pending',
    requestedBy: principal.keyId,
    requestedAt: now,
    ...rest,
    ...(revision ? { revision } : {}),
    ...(note ? { note } : {}),
  };
  return { set: { review }, event };
}
