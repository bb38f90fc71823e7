import type { Connection } from 'mongoose';
import { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { consentCollection, consentId } from '../models/consent.model.ts';
import type { SubscriberRecord } from '../models/subscriber.model.ts';

/** What wx.requestSubscribeMessage answered, per template id. */
export const consentInput = z
  .object({
    results: z
      .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.enum(['accept', 'reject', 'ban', 'filter']))
      .refine((r) => Object.keys(r).length > 0 && Object.keys(r).length <= 5, { error: 'one to five template results' })
      .describe('wx.requestSubscribeMessage 的结果：模板 ID → accept / reject / ban / filter'),
  })
  .strict();

export interface TemplateSetting {
  templateId: string;
  kind: 'one-time' | 'long-term';
}

/**
 * Records the resident's answer: each one-time `accept` is one more send allowed; a long-term
 * `accept` allows sends until revoked; `reject` and `ban` revoke; `filter` (a duplicate title the
 * platform dropped) changes nothing.
 */
export async function recordConsents(
  db: Connection,
  subscriber: Pick<SubscriberRecord, 'appId' | 'openid'>,
  template: TemplateSetting,
  results: Record<string, 'accept' | 'reject' | 'ban' | 'filter'>,
  now = new Date(),
) {
  const unknown = Object.keys(results).filter((id) => id !== template.templateId);
  if (unknown.length) {
    throw new ValidationError('unknown template', unknown.map((id) => ({ path: `results.${id}`, message: 'not a template of this mini-program' })));
  }
  const answer = results[template.templateId]!;
  const _id = consentId(subscriber.appId, subscriber.openid, template.templateId);
  const base = { appId: subscriber.appId, openid: subscriber.openid, templateId: template.templateId, kind: template.kind };
  const consents = consentCollection(db);
  if (answer === 'accept' && template.kind === 'one-time') {
    await consents.updateOne({ _id }, { $inc: { remaining: 1 }, $set: { ...base, revoked: false, updatedAt: now } }, { upsert: true });
  } else if (answer === 'accept') {
    await consents.updateOne({ _id }, { $set: { ...base, remaining: 0, revoked: false, updatedAt: now } }, { upsert: true });
  } else if (answer === 'reject' || answer === 'ban') {
    await consents.updateOne({ _id }, { $set: { ...base, remaining: 0, revoked: true, updatedAt: now } }, { upsert: true });
  }
  return listConsents(db, subscriber);
}

export async function listConsents(db: Connection, subscriber: Pick<SubscriberRecord, 'openid'>) {
  const items = await consentCollection(db).find({ openid: subscriber.openid }).toArray();
  return items.map((c) => ({ templateId: c.templateId, kind: c.kind, remaining: c.remaining, revoked: c.revoked, updatedAt: c.updatedAt }));
}
