import { createHmac } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

/**
 * A push already taken. Inserting the key is the claim: FerretDB 1.x enforces unique `_id`s on
 * insert but does not isolate concurrent updates, so a retried push racing the original loses
 * the insert (see core/claims.ts). The reply is kept so a retry gets the same answer.
 */
export interface SeenPush {
  _id: string;
  at: Date;
  reply?: string;
  /**
   * A push acknowledged while many arrived at once, kept whole on its claim (one insert) until
   * the task runner has handled it (deferred.ts); removed then.
   */
  pending?: { appId: string; push: Record<string, unknown> };
}

/** A resident's free text to the official account, for the public-opinion monitor. */
export interface InboxReaction {
  /** `wechat-oa:<MsgId>`: a retried push is stored once. */
  _id: string;
  source: 'wechat-oa';
  /** Pseudonym of the openid (HMAC), never the openid itself. */
  openid: string;
  text: string;
  receivedAt: Date;
}

/**
 * A TEMPLATESENDJOBFINISH whose delivery record was not found: WeChat can report a send before
 * the worker has stored the msgid it got back. The callback job applies it later.
 */
export interface PendingTemplateResult {
  /** The MsgID, as a string (64-bit); for a push with MsgID 0, `zero:<pseudonym>:<CreateTime>`. */
  _id: string;
  deliveryStatus: DeliveryStatus;
  at: Date;
  /** MsgID 0: the follower and the push's CreateTime, to find the delivery by (see template-match.ts). */
  openid?: string;
  finishedAt?: Date;
}

/**
 * A job-finish result that could not be put on a delivery record: with MsgID 0 and several
 * sends to the follower that fit (ambiguous), or none found within a day (no-delivery). Kept so
 * the count of unknown outcomes is visible, never applied to a guessed record.
 */
export interface UnmatchedTemplateResult {
  /** `<pseudonym>:<CreateTime>:<MsgID>` */
  _id: string;
  msgId: string;
  /** Pseudonym of the openid (HMAC). */
  follower: string;
  deliveryStatus: DeliveryStatus;
  reason: 'ambiguous' | 'no-delivery';
  candidates?: number;
  finishedAt?: Date;
  at: Date;
}

/** MASSSENDJOBFINISH: what became of a broadcast (wechat.md §3.2). */
export interface MassResult {
  /** `send success`, `send fail` or `err(N)`. */
  status: string;
  totalCount: number;
  /** Left after WeChat removed refusers and followers over their 4 broadcasts this month. */
  filterCount: number;
  sentCount: number;
  errorCount: number;
  at: Date;
}

/** A MASSSENDJOBFINISH that arrived before the worker stored the broadcast's msg_id. */
export interface PendingMassResult extends MassResult {
  /** The MsgID. */
  _id: string;
}

/**
 * What WeChat says became of a template message after it accepted it (`sent`): a separate
 * field from the delivery state, which stays `sent`.
 */
export type DeliveryStatus = 'delivered' | 'user-blocked' | 'system-failed' | 'unknown';

/** Set on a `wechat-oa` delivery record by TEMPLATESENDJOBFINISH. */
export interface DeliveryStatusFields {
  deliveryStatus?: DeliveryStatus;
  deliveryStatusAt?: Date;
}

export const seenPushes = (db: Connection) => db.collection('wechat_callback_seen') as unknown as Collection<SeenPush>;
export const reactionsInbox = (db: Connection) => db.collection('reactions_inbox') as unknown as Collection<InboxReaction>;
export const pendingTemplateResults = (db: Connection) =>
  db.collection('wechat_template_results') as unknown as Collection<PendingTemplateResult>;
export const unmatchedTemplateResults = (db: Connection) =>
  db.collection('wechat_template_unmatched') as unknown as Collection<UnmatchedTemplateResult>;
export const pendingMassResults = (db: Connection) => db.collection('wechat_mass_results') as unknown as Collection<PendingMassResult>;

/**
 * A stable pseudonym for an openid, for logs, dedupe keys and the opinion inbox: the same
 * resident gets the same value, and the value does not reveal the openid.
 */
export function pseudonymiser(secret: string): (openid: string) => string {
  return (openid) => createHmac('sha256', secret).update(openid).digest('hex').slice(0, 32);
}
