import { Types, type Connection } from 'mongoose';
import { z } from 'zod';
import { FIELD_CODES } from '../catalogue/types.ts';
import { regionPrefix } from '../disclosures/create.ts';
import { agencyCode, itemTypeCode, projectCode, regionCode } from '../disclosures/input.ts';
import { queryTokens } from '../disclosures/search-tokens.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { SubscriberRecord } from '../models/subscriber.model.ts';
import { ANY, newSubscription, subscriptionCollection, type SubscriptionChannel, type SubscriptionRecord } from '../models/subscription.model.ts';

/** At most this many subscriptions per resident: enough for real use, bounded for the fan-out. */
export const MAX_SUBSCRIPTIONS = 50;

export const subscriptionInput = z
  .object({
    field: z.enum(FIELD_CODES).optional().describe('领域'),
    itemType: itemTypeCode.optional().describe('事项类型'),
    region: regionCode.optional().describe('行政区划代码（含下辖区县）'),
    agency: agencyCode.optional().describe('发布机关代码'),
    projectCode: projectCode.optional().describe('项目代码'),
    applicationNumber: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,40}$/, { error: 'must be the application number (申请编号): letters, digits and -' })
      .optional()
      .describe('关注我的申请：申请编号'),
    keywords: z.string().trim().min(1).max(50).optional().describe('关键词（中文分词匹配）'),
  })
  .strict()
  .refine((s) => Object.values(s).some((v) => v !== undefined), {
    error: 'choose at least one filter (field, region, agency, project, application number or keywords)',
  });

export type SubscriptionInput = z.infer<typeof subscriptionInput>;

/** A subscription as the resident sees it: unset filters left out, keywords as typed. */
export function toSubscriptionView(s: SubscriptionRecord & { keywordText?: string }) {
  const pick = (v: string) => (v === ANY ? undefined : v);
  return {
    id: s._id.toHexString(),
    channel: s.channel,
    field: pick(s.field),
    itemType: pick(s.itemType),
    region: pick(s.region),
    agency: pick(s.agency),
    projectCode: pick(s.projectCode),
    applicationNumber: pick(s.applicationNumber),
    keywords: s.keywordText,
    createdAt: s.createdAt,
  };
}

/**
 * Creates a subscription for a subscriber on its channel. Filters are stored in the form the
 * fan-out matches on: region as a prefix, keywords segmented like search.
 */
export async function createSubscription(
  db: Connection,
  subscriber: Pick<SubscriberRecord, '_id' | 'appId' | 'openid'>,
  channel: SubscriptionChannel,
  input: SubscriptionInput,
  now = new Date(),
) {
  const count = await subscriptionCollection(db).countDocuments({ subscriberId: subscriber._id, active: true });
  if (count >= MAX_SUBSCRIPTIONS) {
    throw new ValidationError(`at most ${MAX_SUBSCRIPTIONS} subscriptions`, [{ path: '(body)', message: '订阅数量已达上限' }]);
  }
  const keywords = input.keywords ? queryTokens(input.keywords) : [];
  if (input.keywords && !keywords.length) {
    throw new ValidationError('invalid keywords', [{ path: 'keywords', message: 'no searchable words' }]);
  }
  const record = newSubscription(
    { subscriberId: subscriber._id, channel, address: subscriber.openid, appId: subscriber.appId },
    {
      ...(input.field ? { field: input.field } : {}),
      ...(input.itemType ? { itemType: input.itemType } : {}),
      ...(input.region ? { region: regionPrefix(input.region) } : {}),
      ...(input.agency ? { agency: input.agency } : {}),
      ...(input.projectCode ? { projectCode: input.projectCode } : {}),
      ...(input.applicationNumber ? { applicationNumber: input.applicationNumber } : {}),
      keywords,
      ...(input.keywords ? { keywordText: input.keywords } : {}),
    },
    now,
  );
  await subscriptionCollection(db).insertOne(record);
  return toSubscriptionView(record);
}

export async function listSubscriptions(db: Connection, subscriberId: Types.ObjectId) {
  const items = await subscriptionCollection(db).find({ subscriberId, active: true }).sort({ _id: 1 }).toArray();
  return items.map(toSubscriptionView);
}

/** Deletes one of the subscriber's own subscriptions; another's is "not found", never touched. */
export async function deleteSubscription(db: Connection, subscriberId: Types.ObjectId, id: string): Promise<void> {
  const result = await subscriptionCollection(db).deleteOne({ _id: new Types.ObjectId(id), subscriberId });
  if (!result.deletedCount) throw new NotFoundError(`no subscription ${id}`);
}

/** Deletes every subscription of the subscriber on a channel (OA 退订). */
export async function deleteAllSubscriptions(db: Connection, subscriberId: Types.ObjectId): Promise<number> {
  return (await subscriptionCollection(db).deleteMany({ subscriberId })).deletedCount;
}
