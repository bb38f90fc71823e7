import type { ReadRow } from '../row.ts';
import { agencyItem } from '../row.ts';
import { KEY_SPREAD, chinaMonth } from '../sqlite/apply.ts';

/** A row of `read_disclosures`: top-level fields only (dotted paths are neither fast nor pushed down on FerretDB). */
export interface MongoReadDoc {
  _id: string;
  version: number;
  hash: string;
  agencyCode: string;
  agencyName: string;
  status: string;
  field: string;
  dueAt: Date;
  formedMs: number;
  updatedAt: Date;
  publishedAt?: Date;
  withdrawnAt?: Date;
  onTime?: boolean;
  reviewState?: string;
  reviewRequestedAt?: Date;
  agencyItem: Record<string, unknown>;
  corrections: Date[];
  public: boolean;
  sortKey?: number;
  itemType?: string;
  province?: string;
  city?: string;
  region?: string;
  projectCode?: string;
  year?: number;
  publicChangedAt?: Date;
  respondsTo?: string;
  summary?: string;
  text?: string;
  tokens?: string[];
  tokenCount?: number;
  applicationNumbers?: string[];
  closesAt?: Date;
  closingLabel?: string;
}

/** The same row as the SQLite read model's, as one document. */
export function mongoDocOf(row: ReadRow): MongoReadDoc {
  const date = (ms?: number) => (ms === undefined ? undefined : new Date(ms));
  const pub = row.public;
  const doc: MongoReadDoc = {
    _id: row.id,
    version: row.version,
    hash: row.hash,
    agencyCode: row.agencyCode,
    agencyName: row.agencyName,
    status: row.status,
    field: row.field,
    dueAt: new Date(row.dueAt),
    formedMs: Date.parse(`${row.formedAt}T00:00:00+08:00`),
    updatedAt: new Date(row.updatedAt),
    ...(row.publishedAt ? { publishedAt: date(row.publishedAt) } : {}),
    ...(row.withdrawnAt ? { withdrawnAt: date(row.withdrawnAt) } : {}),
    ...(row.onTime !== undefined ? { onTime: row.onTime } : {}),
    ...(row.reviewState ? { reviewState: row.reviewState, reviewRequestedAt: date(row.reviewRequestedAt) } : {}),
    agencyItem: { ...agencyItem(row), calendarGaps: row.calendarGaps },
    corrections: row.corrections.map((ms) => new Date(ms)),
    public: Boolean(pub),
  };
  if (!pub) return doc;
  return {
    ...doc,
    // Collisions need one millisecond and the same low ObjectId bits; _id breaks any tie in sorts.
    sortKey: pub.publishedAt * KEY_SPREAD + (Number.parseInt(row.id.slice(-3), 16) % KEY_SPREAD),
    itemType: row.itemType,
    province: row.region.slice(0, 2),
    city: row.region.slice(0, 4),
    region: row.region,
    ...(pub.projectCode ? { projectCode: pub.projectCode } : {}),
    year: Math.floor(chinaMonth(pub.publishedAt) / 100),
    publicChangedAt: new Date(pub.publicChangedAt),
    ...(pub.respondsTo ? { respondsTo: pub.respondsTo } : {}),
    summary: pub.summary,
    text: pub.text,
    tokens: pub.tokens,
    tokenCount: pub.tokens.length,
    applicationNumbers: pub.applicationNumbers,
    ...(pub.closesAt !== undefined ? { closesAt: new Date(pub.closesAt), closingLabel: pub.closingLabel } : {}),
  };
}
