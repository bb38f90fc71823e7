/**
 * The contract between the fan-out engine (jobs/, core/) and the channel adapters. Adapters only
 * translate: no database, no queue, no process.env. Everything they need comes through their
 * factory; everything they say comes back as a SendResult or a ChannelError.
 */

export const CHANNEL_IDS = ['wechat-oa', 'wechat-mp', 'weibo', 'webhook', 'rss'] as const;
export type ChannelId = (typeof CHANNEL_IDS)[number];

/** The marker a change's title starts with, in every channel: one wording for feeds, notices and posts. */
export const CHANGE_MARKERS: Record<OutgoingMessage['kind'], string> = { publish: '', correct: '【更正】', withdraw: '【撤回】' };

/**
 * What a channel may say about a disclosure. Built by core from the PUBLIC view only, so
 * withheld values cannot reach any channel: adapters never see the stored content.
 */
export interface OutgoingMessage {
  /** `${disclosureId}:${revision}` or `${disclosureId}:withdrawn`: one message per public change. */
  key: string;
  disclosureId: string;
  revision: number;
  kind: 'publish' | 'correct' | 'withdraw';
  title: string;
  /** One or two sentences of plain text for posts and notices. */
  summary: string;
  /** Public web link to the disclosure. */
  url: string;
  /** Mini-program page with query (e.g. `pages/detail/detail?id=…`), when a mini-program is configured. */
  miniProgramPage?: string;
  agencyName: string;
  field: string;
  fieldName: string;
  itemType: string;
  itemTypeName: string;
  region: string;
  publishedAt: Date;
  /** The public view as JSON (withheld values already replaced by notices), for webhooks. */
  document: Record<string, unknown>;
}

/** One addressee of a per-recipient channel. */
export interface Recipient {
  /** The delivery-record key of this recipient (subscriber id, endpoint id). */
  id: string;
  /** Vendor address: openid, webhook URL. */
  address: string;
  /** Template to use, when the channel has several. */
  templateId?: string;
}

export interface SendResult {
  /** The vendor's id for what was sent (msgid, status id), as a string (WeChat ids exceed 2^53). */
  externalId?: string;
}

/**
 * What the engine should do about a failure:
 * - `retry`: transient (system busy, 5xx, timeout): back off and try again;
 * - `skip-recipient`: this recipient cannot receive it (43101 no consent, 40003 bad openid): record and move on;
 * - `pause-channel`: quota spent (45009): stop the channel until `retryAfterMs`, then resume;
 * - `fail`: our request or configuration is wrong: do not retry, alert.
 */
export type FailureAction = 'retry' | 'skip-recipient' | 'pause-channel' | 'fail';

export class ChannelError extends Error {
  override name = 'ChannelError';
  constructor(
    readonly channel: ChannelId,
    /** The vendor's error code (errcode, error_code) or an HTTP/transport code such as `http-503`, `timeout`. */
    readonly code: string,
    message: string,
    readonly action: FailureAction,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.action === 'retry' || this.action === 'pause-channel';
  }
}

export interface Channel {
  readonly id: ChannelId;
  /** Per-recipient channels send once per subscriber; broadcast channels once per message. */
  readonly perRecipient: boolean;
  send(message: OutgoingMessage, recipient?: Recipient): Promise<SendResult>;
}

/**
 * A shared access-token store: any number of processes get one token per app, fetched once and
 * early (before it expires). Implemented on MongoDB by core; adapters only call it.
 */
export interface TokenStore {
  /** A token valid for at least a few minutes; `fetch` is called by at most one process at a time. */
  get(appId: string, fetch: () => Promise<{ accessToken: string; expiresInSeconds: number }>): Promise<string>;
  /** The vendor said `token` is invalid (40001/42001): drop it unless another process already replaced it. */
  invalidate(appId: string, token: string): Promise<void>;
}
