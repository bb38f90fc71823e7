import type { FieldCode } from '../catalogue/types.ts';
import type { DisclosureRecord, DisclosureStatus } from '../models/disclosure.model.ts';
import type { PublicSummary } from './row.ts';
import type { RequestReadModel } from './request-types.ts';

/** The public list's filters, as the API parsed them (see core/disclosures/list.ts). */
export interface PublicFilter {
  field?: FieldCode;
  itemType?: string;
  /** A 6-digit 行政区划代码; 110000 means all of 11, 110100 all of 1101. */
  region?: string;
  agency?: string;
  projectCode?: string;
  /** Publication days in China time, inclusive. */
  from?: string;
  to?: string;
  q?: string;
}

export type PublicSort = 'date' | 'relevance';

export interface PublicQuery extends PublicFilter {
  cursor?: string;
  limit: number;
  /** `date`: newest first. `relevance`: BM25 with a recency factor, for a `q` only. */
  sort?: PublicSort;
  facets?: boolean;
}

export interface FacetCount {
  value: string;
  count: number;
}

/** Counts of the items the filter selects (every page of it), per dimension. */
export interface Facets {
  /** Every item the filter selects. */
  total: number;
  /**
   * False when a search matched more items than its facets count (the newest FACET_SAMPLE, see
   * relevance.ts): the per-value counts are then of those, and add up to less than `total`.
   */
  exhaustive: boolean;
  field: FacetCount[];
  itemType: FacetCount[];
  /** One level below the region filter: provinces without one, then cities, then counties. */
  region: FacetCount[];
  agency: FacetCount[];
  year: FacetCount[];
}

export interface PublicListItem extends PublicSummary {
  /** The title or text around the matched words, HTML-escaped, matches in `<mark>`. */
  snippet?: string;
}

export interface PublicPage {
  items: PublicListItem[];
  nextCursor: string | null;
  facets?: Facets;
}

/** The public region and field a closing-date list takes. */
export type ClosingFilter = Pick<PublicFilter, 'region' | 'field'>;

/** A public item closing soon: its list entry, when it closes and what closes (catalogue `closing`). */
export interface ClosingItem {
  item: PublicListItem;
  closesAt: Date;
  label: string;
}

export interface SitemapEntry {
  id: string;
  /** The last public change (publish, correction, withdrawal). */
  changedAt: Date;
}

export interface AgencyQuery {
  status?: DisclosureStatus;
  field?: FieldCode;
  itemType?: string;
  /** 到期日 from and to, China days, inclusive. */
  dueFrom?: string;
  dueTo?: string;
  /**
   * Only what is overdue at this moment: drafts whose 到期日 has passed, and items published after
   * theirs (onTime false, the list's 逾期公开).
   */
  overdueAt?: Date;
  cursor?: string;
  limit: number;
}

/** A line of an agency's own list: no content, so withheld values never enter the read model. */
export interface AgencyListItem {
  id: string;
  status: DisclosureStatus;
  title: string;
  field: string;
  fieldName?: string;
  itemType: string;
  itemTypeName?: string;
  region: string;
  projectCode?: string;
  formedAt: string;
  dueOn: string;
  dueAt: string;
  onTime?: boolean;
  publishedAt?: string;
  revision: number;
  review?: { state: 'pending' | 'rejected'; requestedAt: string; reason?: string };
  createdAt: string;
  updatedAt: string;
}

export interface PendingItem {
  id: string;
  title: string;
  field: string;
  itemType: string;
  formedAt: string;
  dueOn: string;
  dueAt: Date;
  calendarGaps: number[];
}

export interface ReportRow {
  agencyCode: string;
  agencyName: string;
  field: string;
  published: number;
  onTime: number;
  late: number;
  corrected: number;
  withdrawn: number;
  /** Calendar days from 形成 to first publication, one per item published in the year. */
  days: number[];
}

export interface ReadModelStatus {
  kind: ReadModelKind;
  state: 'building' | 'ready';
  rows: number;
  publicRows: number;
  /** Where it lives: the SQLite file, or the MongoDB collection. */
  location: string;
}

export type ReadModelKind = 'sqlite' | 'mongodb';

/** What `verify` compares with MongoDB: one line per disclosure. */
export interface RowDigest {
  id: string;
  version: number;
  hash: string;
}

/**
 * Every list, search, count, facet, feed and report over disclosures, kept in sync with MongoDB
 * (core/read-model/sync.ts). Point reads by id and all writes stay on MongoDB. Two
 * implementations pass one contract suite (test/read-model/contract.ts): SQLite for one machine,
 * MongoDB for several.
 */
export interface ReadModel {
  readonly kind: ReadModelKind;
  /** Applies each disclosure as stored, unless this version (or a later one) already is. Returns how many changed. */
  apply(docs: readonly DisclosureRecord[]): Promise<number>;
  /** Empties it and marks it building (a rebuild follows). */
  reset(): Promise<void>;
  /** Marks a rebuild complete. */
  markBuilt(): Promise<void>;
  /** False when it was never built here (a new, deleted or half-built read model). */
  isBuilt(): Promise<boolean>;
  status(): Promise<ReadModelStatus>;
  digests(): AsyncIterable<RowDigest>;
  /** Rows whose id is not among `ids` (for verify: in the read model, not in MongoDB). */
  removeMissing?(ids: Set<string>): Promise<number>;

  listPublic(query: PublicQuery): Promise<PublicPage>;
  /** Ids of the public items changed most recently (feeds), newest change first. */
  recentlyChanged(filter: PublicFilter, limit: number, since?: Date): Promise<string[]>;
  /**
   * A page of every public item, oldest first publication first (new items land on the last
   * page, so earlier pages stay put), for the sitemap.
   */
  publicSitemap(offset: number, limit: number): Promise<SitemapEntry[]>;
  /** Public items, never withdrawn ones, whose public closing date is in [from, to), soonest first. */
  closingBetween(filter: ClosingFilter, from: Date, to: Date, limit: number): Promise<ClosingItem[]>;
  listAgency(agencyCode: string, query: AgencyQuery): Promise<{ items: AgencyListItem[]; nextCursor: string | null }>;
  /** Drafts due before the horizon, soonest first. */
  pendingCompliance(agencyCode: string, horizon: Date, limit: number): Promise<PendingItem[]>;
  /** Ids of items waiting for a reviewer, oldest request first. */
  pendingReviews(agencyCode: string, limit: number): Promise<string[]>;
  /** Per agency and field: publications, corrections and withdrawals in [start, end). */
  annualReport(start: Date, end: Date, agencyCode?: string): Promise<ReportRow[]>;
  /** The agency's public item named by id, application number or project code, newest publication first. */
  namedIn(agencyCode: string, names: { ids: string[]; codes: string[] }): Promise<string | undefined>;
  /** Ids of the agency's public 回应 items answering `originalId`, oldest first. */
  responsesTo(agencyCode: string, originalId: string, limit: number): Promise<string[]>;
  /** Information requests (依申请公开): lists, deadlines and the report's counts, without personal data. */
  readonly requests: RequestReadModel;
  close(): Promise<void>;
}
