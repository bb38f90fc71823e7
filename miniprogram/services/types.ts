/** Shapes of the gongkai API's JSON, as the mini-program reads them. */

export type DisclosureStatus = 'published' | 'corrected' | 'withdrawn';
export type ConsentResult = 'accept' | 'reject' | 'ban' | 'filter';

export interface Session {
  token: string;
  expiresAt: string;
}

export interface MpConfig {
  templateIds: string[];
  templateKind: 'one-time' | 'long-term';
}

export interface ItemType {
  code: string;
  name: string;
  description?: string;
  /** JSON Schema of the item type's content; property `description`s are the Chinese labels. */
  contentSchema?: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
}

export interface Field {
  code: string;
  name: string;
  itemTypes: ItemType[];
}

export interface Catalogue {
  fields: Field[];
}

export interface Agency {
  code: string;
  name: string;
  /** 6-digit 行政区划代码, in the agency directory (GET /api/v1/agencies) when the agency has one. */
  region?: string;
}

export interface DisclosureSummary {
  id: string;
  status: DisclosureStatus;
  agency: Agency;
  field: string;
  fieldName?: string;
  itemType: string;
  itemTypeName?: string;
  title: string;
  region: string;
  formedAt?: string;
  publishedAt?: string;
  revision: number;
}

/** A list entry; with a `q`, the API adds the matched stretch of title or text. */
export interface DisclosureListItem extends DisclosureSummary {
  /** HTML-escaped text with the matched words in `<mark>`: read it with utils/highlight, never as markup. */
  snippet?: string;
}

export interface FacetCount {
  /** A field or item type code, an agency code, a 6-digit region code, or a year (`2026`). */
  value: string;
  count: number;
}

/** Counts over every page of what the filters select. */
export interface Facets {
  /** Every match, whatever the counts below cover. */
  total: number;
  /** False when the counts are of the newest matches only (a very common word). */
  exhaustive?: boolean;
  field: FacetCount[];
  itemType: FacetCount[];
  /** One level below the region filter: provinces without one, then cities, then counties. */
  region: FacetCount[];
  agency: FacetCount[];
  year: FacetCount[];
}

export interface DisclosurePage {
  items: DisclosureListItem[];
  nextCursor?: string | null;
  /** Only when the request asked for `facets`. */
  facets?: Facets;
}

export interface Withheld {
  path: string;
  basis: string;
  notice: string;
}

export interface Attachment {
  name: string;
  url: string;
  sha256?: string;
}

export interface Revision {
  n: number;
  title: string;
  content: Record<string, unknown>;
  withheld: Withheld[];
  attachments: Attachment[];
  note?: string;
  publishedAt?: string;
}

export interface Disclosure extends DisclosureSummary {
  withdrawn?: { at?: string; reason?: string };
  revisions: Revision[];
  current?: Revision;
}

export interface Subscription {
  id: string;
  field?: string;
  itemType?: string;
  region?: string;
  agency?: string;
  projectCode?: string;
  applicationNumber?: string;
  keywords?: string;
  createdAt?: string;
}

export interface SubscriptionInput {
  field?: string;
  itemType?: string;
  region?: string;
  applicationNumber?: string;
  keywords?: string;
}

export interface FieldError {
  path: string;
  message: string;
}

/** `relevance` needs a `q`; the API's default is `date`, newest first. */
export type ListSort = 'date' | 'relevance';

export interface ListQuery {
  field?: string;
  itemType?: string;
  region?: string;
  agency?: string;
  projectCode?: string;
  /** Publication dates, YYYY-MM-DD, both inclusive (China time). */
  from?: string;
  to?: string;
  q?: string;
  sort?: ListSort;
  /** Ask for `facets` in the answer: for a first page only, they cover every page. */
  facets?: boolean;
  cursor?: string;
  limit?: number;
}

/** 依申请公开: a line of the resident's own requests (no personal data). */
export interface RequestLine {
  receiptNumber: string;
  agencyCode: string;
  state: string;
  submittedAt: string;
  receivedOn?: string;
  dueOn?: string;
  closedOn?: string;
  decision?: string;
  overdue: boolean;
}

export interface RequestEventView {
  type: string;
  name: string;
  on: string;
  note?: string;
  items?: string;
  dueOn?: string;
  days?: number;
  reason?: string;
}

/** The requester's view of one request: masked name and ID, each step, the reply. */
export interface RequestView {
  receiptNumber: string;
  agencyCode: string;
  state: string;
  requester: { type: string; name: string; idNumber: string };
  receivedOn?: string;
  dueOn?: string;
  correctionDueOn?: string;
  extendedDays: number;
  events: RequestEventView[];
  reply?: { decisionName?: string; reasonName?: string; basis: string; notice: string; text: string; location?: string; url?: string; information?: string };
}

export interface RequestInput {
  agency: string;
  requester: { type: string; name: string; idType: string; idNumber: string; contact: { phone?: string; email?: string; address?: string } };
  description: string;
  delivery: string;
}
