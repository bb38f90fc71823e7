import type { Collection } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { PUBLIC_STATUSES } from '../disclosures/list.ts';
import { AppError, NotFoundError } from '../errors.ts';
import { disclosureCollection } from '../models/disclosure.model.ts';

export interface FeedbackRecord {
  _id: Types.ObjectId;
  disclosureId: string;
  agencyCode: string;
  subscriberId: Types.ObjectId;
  text: string;
  createdAt: Date;
}

export const feedbackCollection = (db: Connection) => db.collection('feedback') as unknown as Collection<FeedbackRecord>;

export const feedbackInput = z.object({ text: z.string().trim().min(2).max(500).describe('意见建议（2–500 字）') }).strict();

/** A resident may leave this many comments an hour: enough to say something, too few to flood. */
export const FEEDBACK_PER_HOUR = 5;

/** Stores a resident's comment on a public disclosure, for the agency's public-opinion monitor. */
export async function leaveFeedback(db: Connection, subscriberId: Types.ObjectId, disclosureId: string, text: string, now = new Date()) {
  const doc = await disclosureCollection(db).findOne(
    { _id: new Types.ObjectId(disclosureId), status: { $in: [...PUBLIC_STATUSES] } },
    { projection: { agencyCode: 1 } },
  );
  if (!doc) throw new NotFoundError(`no public disclosure ${disclosureId}`);
  const recent = await feedbackCollection(db).countDocuments({ subscriberId, createdAt: { $gt: new Date(now.getTime() - 3_600_000) } });
  if (recent >= FEEDBACK_PER_HOUR) throw new AppError(429, 'rate_limited', `at most ${FEEDBACK_PER_HOUR} comments an hour`);
  const record: FeedbackRecord = { _id: new Types.ObjectId(), disclosureId, agencyCode: doc.agencyCode, subscriberId, text, createdAt: now };
  await feedbackCollection(db).insertOne(record);
  return { id: record._id.toHexString(), createdAt: now };
}
