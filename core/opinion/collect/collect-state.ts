import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

/**
 * Where a collector has got to in one stream: a Weibo status's comments or reposts
 * (`weibo:<statusId>:comment`), the account's mentions (`weibo:mentions`), the mini-program's
 * feedback (`miniprogram`). Written only after the reactions it covers are stored, so a crash
 * between the two re-fetches (and the insert dedupes) rather than skips.
 *
 * Cursors are plain upserts: two overlapping runs may move one backwards, which only costs a
 * re-fetch, never a lost reaction.
 */
export interface CollectCursor {
  _id: string;
  /** Weibo: the newest id seen (since_id). */
  sinceId?: string;
  /** Feedback: the newest `createdAt` seen. */
  at?: Date;
  /** The status was deleted on Weibo (20101): stop asking. */
  gone?: boolean;
  polledAt: Date;
}

/** A source that told us to slow down (Weibo 10022–10024): runs skip it until `notBefore`. */
export interface CollectBackoff {
  _id: string;
  notBefore: Date;
  code: string;
  setAt: Date;
}

export const collectCursors = (db: Connection) => db.collection('opinion_collect_cursors') as unknown as Collection<CollectCursor>;
export const collectBackoffs = (db: Connection) => db.collection('opinion_collect_backoff') as unknown as Collection<CollectBackoff>;

export async function saveCursor(db: Connection, id: string, fields: Omit<CollectCursor, '_id'>): Promise<void> {
  await collectCursors(db).updateOne({ _id: id }, { $set: fields }, { upsert: true });
}

/** The time before which `source` must not be called, when it is still in the future. */
export async function backoffUntil(db: Connection, source: string, now: Date): Promise<Date | undefined> {
  const doc = await collectBackoffs(db).findOne({ _id: source });
  return doc && doc.notBefore > now ? doc.notBefore : undefined;
}

export async function backOff(db: Connection, source: string, notBefore: Date, code: string, now: Date): Promise<void> {
  await collectBackoffs(db).updateOne({ _id: source }, { $set: { notBefore, code, setAt: now } }, { upsert: true });
}
