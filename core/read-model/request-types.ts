/**
 * The information requests' projection in the read model: one line per request with its clock
 * and outcome, and nothing personal — no name, ID number, contact or description (those stay
 * sealed on MongoDB, core/requests/). It answers every list, count and report over requests.
 */
export const REQUESTER_TYPES = ['natural', 'commercial', 'research', 'nonprofit', 'legal-services', 'other'] as const;
export type RequesterType = (typeof REQUESTER_TYPES)[number];
/** The requester types as the annual report's table 三 names them (国办公开办函〔2021〕30号). */
export const REQUESTER_TYPE_NAMES: Record<RequesterType, string> = {
  natural: '自然人',
  commercial: '法人或其他组织：商业企业',
  research: '法人或其他组织：科研机构',
  nonprofit: '法人或其他组织：社会公益组织',
  'legal-services': '法人或其他组织：法律服务机构',
  other: '法人或其他组织：其他',
};

export interface RequestRow {
  /** The receipt number. */
  id: string;
  version: number;
  agencyCode: string;
  /** The mini-program resident who submitted it (a subscriber id), if any. */
  residentId?: string;
  channel: string;
  requesterType: RequesterType;
  state: string;
  submittedAt: number;
  receivedOn?: string;
  dueOn?: string;
  dueAt?: number;
  correctionAskBy?: string;
  correctionDueOn?: string;
  extendedDays: number;
  closedOn?: string;
  decision?: string;
  reason?: string;
  /** The annual report row it is counted in, once closed (core/requests/decisions.ts). */
  reportRow?: string;
  onTime?: boolean;
  updatedAt: number;
}

export interface RequestListQuery {
  /** Only requests not yet closed. */
  open?: boolean;
  cursor?: string;
  limit: number;
}

export interface RequestCount {
  agencyCode: string;
  requesterType: RequesterType;
  count: number;
}

export interface RequestReportCounts {
  /** Received in the period. */
  received: RequestCount[];
  /** Received before it, still open at its start. */
  carriedIn: RequestCount[];
  /** Closed in the period, per report row and whether answered on time. */
  closed: (RequestCount & { reportRow: string; onTime: boolean | null })[];
  /** Received by its end, still open after it. */
  carriedOut: RequestCount[];
}

export interface RequestReadModel {
  /** Applies each row unless this version (or a later one) already is. Returns how many changed. */
  apply(rows: readonly RequestRow[]): Promise<number>;
  isBuilt(): Promise<boolean>;
  markBuilt(): Promise<void>;
  get(id: string): Promise<RequestRow | undefined>;
  /** The agency's requests, newest submission first. */
  listAgency(agencyCode: string, query: RequestListQuery): Promise<{ items: RequestRow[]; nextCursor: string | null }>;
  /** A resident's own requests, newest first. */
  listResident(residentId: string, limit: number): Promise<RequestRow[]>;
  /**
   * Open requests needing the agency: due on or before `horizon` (a day), waiting for receipt,
   * or whose correction deadline passed; soonest first.
   */
  pending(agencyCode: string, horizon: string, limit: number): Promise<RequestRow[]>;
  /** Counts for the annual report over the days [from, to] (China time, inclusive). */
  report(from: string, to: string, agencyCode?: string): Promise<RequestReportCounts>;
}

/** Opaque cursor of a request list: the submission time and receipt number of the last row. */
export function encodeRequestCursor(row: Pick<RequestRow, 'submittedAt' | 'id'>): string {
  return Buffer.from(`r${row.submittedAt}.${row.id}`).toString('base64url');
}

export function decodeRequestCursor(text: string): { at: number; id: string } | undefined {
  const match = /^r(\d{1,15})\.([A-Z0-9-]{1,40})$/.exec(Buffer.from(text, 'base64url').toString());
  return match ? { at: Number(match[1]), id: match[2]! } : undefined;
}
