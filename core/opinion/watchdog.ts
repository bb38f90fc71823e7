import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { ChannelId } from '../../channels/types.ts';
import { recordAudit } from '../audit.ts';
import { claimId } from '../store/claims.ts';
import type { ReadModel } from '../read-model/types.ts';
import { NotFoundError } from '../errors.ts';
import { deliveryCollection } from '../models/delivery.model.ts';
import { reactionCollection } from '../models/reaction.model.ts';
import { responseTaskCollection } from '../models/response-task.model.ts';
import { opinionSettings } from './settings.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** How many of the agency's latest public changes are searched for each channel's last post. */
const RECENT_ITEMS = 50;
/** Older follower messages are history, not a reply still owed. */
const MESSAGE_LOOKBACK_DAYS = 30;
const MAX_LISTED = 200;

export interface ChannelWatch {
  channel: ChannelId;
  lastPostAt: Date | null;
  flagged: boolean;
  /** Why it is flagged, for the press officer (Simplified Chinese). */
  reason?: string;
}

export interface UnansweredMessage {
  reactionId: string;
  at: Date;
  hoursWaiting: number;
  disclosureId?: string;
  text: string;
}

export interface WatchdogReport {
  agencyCode: string;
  checkedAt: Date;
  channelSilentDays: number;
  replyHours: number;
  channels: ChannelWatch[];
  unansweredCount: number;
  /** The oldest first, at most 200. */
  unanswered: UnansweredMessage[];
}

/** A follower message marked answered by hand; insert-only, the reaction itself is never updated. */
interface AnswerRecord {
  _id: string;
  agencyCode: string;
  by: string;
  at: Date;
  note?: string;
}

const answers = (db: Connection) => db.collection('reaction_answers') as unknown as Collection<AnswerRecord>;

/**
 * 政务新媒体 upkeep for one agency: each configured channel people read (RSS is pulled, so it is
 * not watched) with no post for `channelSilentDays`, and each official-account follower message
 * older than `replyHours` that no one answered.
 */
export async function watchdog(db: Connection, readModel: ReadModel, agencyCode: string, channels: readonly ChannelId[], now: Date): Promise<WatchdogReport> {
  const settings = await opinionSettings(db, agencyCode);
  const silentSince = new Date(now.getTime() - settings.channelSilentDays * DAY_MS);
  const lastPosts = await lastPostPerChannel(db, readModel, agencyCode, channels.filter((c) => c !== 'rss'));
  const watched: ChannelWatch[] = [...lastPosts].map(([channel, lastPostAt]) => {
    if (lastPostAt && lastPostAt >= silentSince) return { channel, lastPostAt, flagged: false };
    const reason = lastPostAt
      ? `已 ${Math.floor((now.getTime() - lastPostAt.getTime()) / DAY_MS)} 天未发布（超过 ${settings.channelSilentDays} 天）`
      : `已配置但从未发布（或不在最近 ${RECENT_ITEMS} 条公开信息中）`;
    return { channel, lastPostAt, flagged: true, reason };
  });
  const unanswered = await unansweredMessages(db, agencyCode, now, settings.replyHours);
  return {
    agencyCode,
    checkedAt: now,
    channelSilentDays: settings.channelSilentDays,
    replyHours: settings.replyHours,
    channels: watched,
    unansweredCount: unanswered.length,
    unanswered: unanswered.slice(0, MAX_LISTED),
  };
}

/** Marks a follower message answered (e.g. replied in the official account's console); repeating it is harmless. */
export async function markAnswered(
  db: Connection,
  input: { reactionId: string; agencyCode: string; by: string; note?: string },
  now: Date,
): Promise<{ reactionId: string; answeredAt: Date; by: string }> {
  // By `_id` alone (FerretDB answers only that from SQL), the agency checked here: another's is as absent.
  const reaction = await reactionCollection(db).findOne({ _id: input.reactionId }, { projection: { agencyCode: 1 } });
  if (!reaction || reaction.agencyCode !== input.agencyCode) throw new NotFoundError(`no reaction ${input.reactionId}`);
  const record: AnswerRecord = { _id: input.reactionId, agencyCode: input.agencyCode, by: input.by, at: now, ...(input.note ? { note: input.note } : {}) };
  if (await claimId(answers(db), record)) {
    await recordAudit(db, {
      id: `reaction-answered:${input.reactionId}`,
      action: 'opinion.reaction.answered',
      actor: { kind: 'key', keyId: input.by, agencyCode: input.agencyCode },
      agencyCode: input.agencyCode,
      subject: input.reactionId,
      at: now,
    });
    return { reactionId: record._id, answeredAt: record.at, by: record.by };
  }
  const first = (await answers(db).findOne({ _id: input.reactionId }))!;
  return { reactionId: first._id, answeredAt: first.at, by: first.by };
}

/**
 * The newest sent delivery per channel among the agency's latest public changes. Searched per
 * disclosure, because deliveries are indexed by disclosure and an agency's official-account
 * deliveries (one per follower) are far too many to scan.
 */
async function lastPostPerChannel(db: Connection, readModel: ReadModel, agencyCode: string, channels: ChannelId[]): Promise<Map<ChannelId, Date | null>> {
  const found = new Map<ChannelId, Date | null>(channels.map((c) => [c, null]));
  if (!channels.length) return found;
  const items = (await readModel.recentlyChanged({ agency: agencyCode }, RECENT_ITEMS)).map((id) => ({ _id: { toHexString: () => id } }));
  for (const item of items) {
    const missing = channels.filter((c) => !found.get(c));
    if (!missing.length) break;
    for (const channel of missing) {
      const sent = await deliveryCollection(db).findOne(
        // Sends through the sandbox reached nobody: they do not keep a channel from being silent.
        { disclosureId: item._id.toHexString(), channel, state: 'sent', mode: { $ne: 'sandbox' as const } },
        { projection: { sentAt: 1, updatedAt: 1 }, sort: { sentAt: -1 } },
      );
      if (sent) found.set(channel, sent.sentAt ?? sent.updatedAt);
    }
  }
  return found;
}

/**
 * Follower messages waiting longer than `replyHours`, oldest first. A message is answered when
 * marked so, or when a task about the same disclosure (or about none, for messages naming none)
 * was responded to after it arrived.
 */
async function unansweredMessages(db: Connection, agencyCode: string, now: Date, replyHours: number): Promise<UnansweredMessage[]> {
  const overdueBefore = new Date(now.getTime() - replyHours * HOUR_MS);
  const messages = await reactionCollection(db)
    .find(
      { agencyCode, source: 'wechat-oa', at: { $lte: overdueBefore, $gte: new Date(now.getTime() - MESSAGE_LOOKBACK_DAYS * DAY_MS) } },
      { projection: { at: 1, disclosureId: 1, text: 1 } },
    )
    .sort({ at: 1 })
    .toArray();
  if (!messages.length) return [];
  const marked = new Set((await answers(db).find({ _id: { $in: messages.map((m) => m._id) } }, { projection: { _id: 1 } }).toArray()).map((a) => a._id));
  const responded = await responseTaskCollection(db)
    .find({ agencyCode, status: { $in: ['responded', 'closed'] } }, { projection: { disclosureId: 1, respondedAt: 1 } })
    .toArray();
  const covered = (m: (typeof messages)[number]) =>
    responded.some((t) => t.respondedAt && t.respondedAt >= m.at && (t.disclosureId ?? null) === (m.disclosureId ?? null));
  return messages
    .filter((m) => !marked.has(m._id) && !covered(m))
    .map((m) => ({
      reactionId: m._id,
      at: m.at,
      hoursWaiting: Math.floor((now.getTime() - m.at.getTime()) / HOUR_MS),
      ...(m.disclosureId ? { disclosureId: m.disclosureId } : {}),
      text: m.text,
    }));
}
