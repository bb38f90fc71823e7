import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db.ts';
import { deliveryCollection, type DeliveryRecord } from '../models/delivery.model.ts';
import { deliveryStatusOf, setDeliveryStatus } from './events.ts';
import {
  pendingMassResults,
  pendingTemplateResults,
  unmatchedTemplateResults,
  type DeliveryStatus,
  type DeliveryStatusFields,
  type MassResult,
} from './store.ts';
import { matchWithoutMsgId } from './template-match.ts';
import { field, type PushFields } from './xml.ts';

/** What recording a job-finish push needs (a subset of the callback's deps). */
export interface JobResultDeps {
  db: Connection;
  now: () => Date;
  logger: Logger;
}

/** Who a job-finish push came from: what finds the delivery when MsgID is 0. */
export interface PushSender {
  openid: string;
  /** Its pseudonym (HMAC), for what is kept and logged. */
  follower: string;
  /** CreateTime, epoch seconds as sent. */
  createTime: string;
}

/**
 * Records what WeChat says became of a template message. Only `deliveryStatus` changes: the
 * delivery's `state` stays `sent` (accepted by the vendor; see core/GLOSSARY.md). When no
 * delivery carries the msgid yet (WeChat was faster than the worker's write), the result waits
 * in `wechat_template_results` for applyPendingTemplateResults (maintenance.ts).
 *
 * A MsgID of 0 (reported when client_msg_id was set) identifies nothing: the delivery is found
 * by follower and time instead (template-match.ts), or the result is kept as unmatched. It is
 * never keyed on the MsgID, which would put every such result on one record.
 */
export async function recordTemplateResult(
  deps: JobResultDeps,
  msgId: string | undefined,
  status: string | undefined,
  push?: PushSender,
): Promise<void> {
  const deliveryStatus = deliveryStatusOf(status);
  const now = deps.now();
  if (msgId === undefined || msgId === '' || /^0+$/.test(msgId)) {
    if (push) await recordWithoutMsgId(deps, deliveryStatus, push);
    return;
  }
  if (!/^\d{1,20}$/.test(msgId)) return;
  if (await setDeliveryStatus(deps.db, msgId, deliveryStatus, now)) return;
  try {
    await pendingTemplateResults(deps.db).insertOne({ _id: msgId, deliveryStatus, at: now });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  deps.logger.info({ msgId, deliveryStatus }, 'template result for an unknown msgid kept for later');
}

async function recordWithoutMsgId(
  deps: JobResultDeps,
  deliveryStatus: DeliveryStatus,
  push: PushSender,
): Promise<void> {
  if (!/^\d{1,12}$/.test(push.createTime)) return;
  const finishedAt = new Date(Number(push.createTime) * 1000);
  const now = deps.now();
  const { follower } = push;
  const outcome = await settleWithoutMsgId(deps.db, push.openid, follower, finishedAt, deliveryStatus, now, false);
  if (outcome !== 'wait') return;
  try {
    await pendingTemplateResults(deps.db).insertOne({ _id: `zero:${follower}:${push.createTime}`, deliveryStatus, at: now, openid: push.openid, finishedAt });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  deps.logger.info({ follower: follower.slice(0, 12), deliveryStatus }, 'template result with MsgID 0 kept until its delivery can be told apart');
}

/**
 * Applies a MsgID-0 result to the one delivery it fits, or keeps it as unmatched when several
 * fit (or, `final`, when none ever did). `wait`: try again later.
 */
export async function settleWithoutMsgId(
  db: Connection,
  openid: string,
  follower: string,
  finishedAt: Date,
  deliveryStatus: DeliveryStatus,
  now: Date,
  final: boolean,
): Promise<'applied' | 'unmatched' | 'wait'> {
  const match = await matchWithoutMsgId(db, openid, finishedAt);
  if (match.kind === 'matched') {
    const deliveries = deliveryCollection(db) as unknown as Collection<DeliveryRecord & DeliveryStatusFields>;
    // Only if no other result landed on it meanwhile.
    const result = await deliveries.updateOne(
      { _id: match.deliveryId, deliveryStatus: { $exists: false } },
      { $set: { deliveryStatus, deliveryStatusAt: now, updatedAt: now } },
    );
    if (result.matchedCount > 0) return 'applied';
  }
  if (match.kind !== 'ambiguous' && !final) return 'wait';
  const reason = match.kind === 'ambiguous' ? 'ambiguous' : 'no-delivery';
  try {
    await unmatchedTemplateResults(db).insertOne({
      _id: `${follower}:${Math.floor(finishedAt.getTime() / 1000)}:0`,
      msgId: '0',
      follower,
      deliveryStatus,
      reason,
      ...(match.kind === 'ambiguous' ? { candidates: match.candidates } : {}),
      finishedAt,
      at: now,
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  return 'unmatched';
}

/**
 * MASSSENDJOBFINISH: the counts go on the broadcast's delivery record (found by its msg_id), so
 * the deliveries report can say how many followers WeChat filtered out, e.g. because staff
 * spent their 4-a-month budget in the web console. Before the record has the id, it waits in
 * `wechat_mass_results` like a template result.
 */
export async function recordMassResult(deps: JobResultDeps, push: PushFields): Promise<void> {
  const msgId = field(push, 'MsgID') ?? field(push, 'MsgId');
  if (!msgId || !/^\d{1,20}$/.test(msgId)) return;
  const count = (name: string) => {
    const value = Number(field(push, name) ?? 0);
    return Number.isSafeInteger(value) && value >= 0 ? value : 0;
  };
  const result: MassResult = {
    status: (field(push, 'Status') ?? '').slice(0, 40),
    totalCount: count('TotalCount'),
    filterCount: count('FilterCount'),
    sentCount: count('SentCount'),
    errorCount: count('ErrorCount'),
    at: deps.now(),
  };
  if (await setMassResult(deps.db, msgId, result)) return;
  try {
    await pendingMassResults(deps.db).insertOne({ _id: msgId, ...result });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  deps.logger.info({ msgId }, 'mass-send result for an unknown msg_id kept for later');
}

export async function setMassResult(db: Connection, msgId: string, result: MassResult): Promise<boolean> {
  const deliveries = deliveryCollection(db) as unknown as Collection<DeliveryRecord>;
  const updated = await deliveries.updateOne({ externalId: msgId, channel: 'wechat-oa' }, { $set: { massResult: result, updatedAt: result.at } });
  return updated.matchedCount > 0;
}
