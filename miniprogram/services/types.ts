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

export interface DisclosurePage {
  items: DisclosureSummary[];
  nextCursor?: string | null;
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

export interface ListQuery {
  field?: string;
  itemType?: string;
  region?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}
