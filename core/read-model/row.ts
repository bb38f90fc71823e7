import { closingOf } from '../catalogue/closing.ts';
import { findItemType, RESPONSE_ITEM_TYPE } from '../catalogue/index.ts';
import type { FieldCode } from '../catalogue/types.ts';
import { canonicalJson, sha256 } from '../disclosures/canonical.ts';
import { PUBLIC_STATUSES } from '../disclosures/public-statuses.ts';
import { toPublicSummary } from '../disclosures/views.ts';
import { publicContent, publicStrings } from '../disclosures/withholding.ts';
import type { DisclosureRecord, DisclosureStatus } from '../models/disclosure.model.ts';

/** A public list entry as JSON (toPublicSummary, dates as ISO strings). */
export type PublicSummary = { id: string } & Record<string, unknown>;

/** What the public part of the read model holds of a public item; nothing withheld is in it. */
export interface PublicPart {
  publishedAt: number;
  publicChangedAt: number;
  agencyName: string;
  projectCode?: string;
  /** Year of first publication, China time. */
  year: number;
  /** The public list entry, as the list API sends it. */
  summary: string;
  /** Title and public text, for snippets. */
  text: string;
  /** Search tokens (jieba, public values only); none once withdrawn: a withdrawn item leaves search. */
  tokens: string[];
  respondsTo?: string;
  applicationNumbers: string[];
  /**
   * Its public closing date (catalogue `closing`) in ms, from the public view: none when that value
   * is withheld, and none once withdrawn (a withdrawn notice calls for nothing).
   */
  closesAt?: number;
  closingLabel?: string;
}

/** One disclosure as both read models store it. */
export interface ReadRow {
  id: string;
  version: number;
  /** Of everything below: `gongkai index verify` compares it with the row MongoDB's document gives. */
  hash: string;
  agencyCode: string;
  agencyName: string;
  status: DisclosureStatus;
  title: string;
  field: string;
  itemType: string;
  region: string;
  projectCode?: string;
  formedAt: string;
  dueOn: string;
  dueAt: number;
  calendarGaps: number[];
  createdAt: number;
  updatedAt: number;
  publishedAt?: number;
  withdrawnAt?: number;
  onTime?: boolean;
  revisions: number;
  reviewState?: 'pending' | 'rejected';
  reviewRequestedAt?: number;
  reviewReason?: string;
  /** Publication times of corrections (revisions after the first), for the annual report. */
  corrections: number[];
  public?: PublicPart;
}

const PUBLIC = new Set<string>(PUBLIC_STATUSES);
const SNIPPET_TEXT_CHARS = 400;
const CHINA_OFFSET_MS = 8 * 3_600_000;

export const chinaYear = (ms: number) => new Date(ms + CHINA_OFFSET_MS).getUTCFullYear();

/** The read model's row for a disclosure as MongoDB stores it. */
export function rowOf(doc: DisclosureRecord): ReadRow {
  const ms = (d?: Date) => (d ? new Date(d).getTime() : undefined);
  const row: Omit<ReadRow, 'hash'> = {
    id: doc._id.toHexString(),
    version: doc.version,
    agencyCode: doc.agencyCode,
    agencyName: doc.agencyName,
    status: doc.status,
    title: doc.title,
    field: doc.field,
    itemType: doc.itemType,
    region: doc.region,
    ...(doc.projectCode ? { projectCode: doc.projectCode } : {}),
    formedAt: doc.formedAt,
    dueOn: doc.dueOn,
    dueAt: ms(doc.dueAt)!,
    calendarGaps: doc.calendarGaps ?? [],
    createdAt: ms(doc.createdAt)!,
    updatedAt: ms(doc.updatedAt)!,
    ...(doc.publishedAt ? { publishedAt: ms(doc.publishedAt) } : {}),
    ...(doc.withdrawnAt ? { withdrawnAt: ms(doc.withdrawnAt) } : {}),
    ...(doc.onTime !== undefined ? { onTime: doc.onTime } : {}),
    revisions: doc.revisions.length,
    ...(doc.review ? { reviewState: doc.review.state, reviewRequestedAt: ms(doc.review.requestedAt) } : {}),
    ...(doc.review?.reason ? { reviewReason: doc.review.reason } : {}),
    corrections: doc.revisions.filter((r) => r.n > 1 && r.publishedAt).map((r) => ms(r.publishedAt)!),
    ...(PUBLIC.has(doc.status) && doc.publishedAt ? { public: publicPart(doc) } : {}),
  };
  return { ...row, hash: sha256(canonicalJson(row)) };
}

function publicPart(doc: DisclosureRecord): PublicPart {
  const published = doc.revisions.filter((r) => r.publishedAt);
  const current = published.at(-1)!;
  const publishedAt = new Date(doc.publishedAt!).getTime();
  const content = publicContent(current);
  const closing = doc.status === 'withdrawn' ? undefined : closingOf(doc.field, doc.itemType, content);
  const respondsTo = doc.itemType === RESPONSE_ITEM_TYPE && typeof content.respondsTo === 'string' ? content.respondsTo : undefined;
  return {
    publishedAt,
    publicChangedAt: new Date(doc.publicChangedAt ?? doc.publishedAt!).getTime(),
    agencyName: doc.agencyName,
    ...(doc.projectCode ? { projectCode: doc.projectCode } : {}),
    year: chinaYear(publishedAt),
    summary: JSON.stringify(toPublicSummary(doc)),
    text: `${current.title}\n${publicStrings(current).join(' ').slice(0, SNIPPET_TEXT_CHARS)}`,
    tokens: doc.status === 'withdrawn' ? [] : doc.searchTokens,
    ...(respondsTo ? { respondsTo } : {}),
    applicationNumbers: doc.applicationNumbers ?? [],
    ...(closing ? { closesAt: closing.at.getTime(), closingLabel: closing.label } : {}),
  };
}

/** The agency's list entry (no content: withheld values stay in MongoDB). */
export function agencyItem(row: ReadRow) {
  const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString());
  const found = findItemType(row.field as FieldCode, row.itemType);
  return {
    id: row.id,
    status: row.status,
    title: row.title,
    field: row.field,
    fieldName: found?.field.name,
    itemType: row.itemType,
    itemTypeName: found?.itemType.name,
    region: row.region,
    ...(row.projectCode ? { projectCode: row.projectCode } : {}),
    formedAt: row.formedAt,
    dueOn: row.dueOn,
    dueAt: iso(row.dueAt)!,
    ...(row.onTime !== undefined ? { onTime: row.onTime } : {}),
    ...(row.publishedAt ? { publishedAt: iso(row.publishedAt) } : {}),
    revision: row.revisions,
    ...(row.reviewState
      ? { review: { state: row.reviewState, requestedAt: iso(row.reviewRequestedAt)!, ...(row.reviewReason ? { reason: row.reviewReason } : {}) } }
      : {}),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}
