import { findItemType } from '../catalogue/index.ts';
import type { DisclosureRecord, Revision } from '../models/disclosure.model.ts';
import { publicContent, publicWithheld } from './withholding.ts';

function common(doc: DisclosureRecord) {
  const found = findItemType(doc.field, doc.itemType);
  return {
    id: doc._id.toHexString(),
    status: doc.status,
    agency: { code: doc.agencyCode, name: doc.agencyName },
    field: doc.field,
    fieldName: found?.field.name,
    itemType: doc.itemType,
    itemTypeName: found?.itemType.name,
    title: doc.title,
    region: doc.region,
    projectCode: doc.projectCode,
    formedAt: doc.formedAt,
    basis: doc.basis,
    dueOn: doc.dueOn,
    dueAt: doc.dueAt,
    publishedAt: doc.publishedAt,
    onTime: doc.onTime,
    ...(doc.status === 'withdrawn' ? { withdrawn: { at: doc.withdrawnAt, reason: doc.withdrawReason } } : {}),
  };
}

function publicRevision(r: Revision) {
  return {
    n: r.n,
    title: r.title,
    content: publicContent(r),
    withheld: publicWithheld(r.withheld),
    attachments: r.attachments,
    note: r.note,
    contentHash: r.contentHash,
    publishedAt: r.publishedAt,
  };
}

/**
 * What anyone may read: published revisions only, withheld values replaced by their notices.
 * Every public output (API, search, feeds, channels) is built from this view.
 */
export function toPublicView(doc: DisclosureRecord) {
  const revisions = doc.revisions.filter((r) => r.publishedAt).map(publicRevision);
  return { ...common(doc), revision: revisions.length, revisions };
}

export type PublicDisclosure = ReturnType<typeof toPublicView>;

/** A short public entry for lists: the current revision's content is left out. */
export function toPublicSummary(doc: DisclosureRecord) {
  const { revisions: _revisions, ...rest } = toPublicView(doc);
  return { ...rest, lastPublishedAt: doc.lastPublishedAt };
}

/** The responsible agency's own view: drafts, withheld values (never state secrets: not stored), history. */
export function toAgencyView(doc: DisclosureRecord) {
  return {
    ...common(doc),
    calendarGaps: doc.calendarGaps,
    revisions: doc.revisions.map((r) => ({ ...r, withheld: publicWithheld(r.withheld) })),
    events: doc.events,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}
