import type { Collection } from 'mongodb';
import { Types } from 'mongoose';
import { consentCollection, consentId } from '../models/consent.model.ts';
import { agencyModel } from '../models/agency.model.ts';
import { subscriberCollection } from '../models/subscriber.model.ts';
import { claimId } from '../store/claims.ts';
import type { RequestDeps } from './deps.ts';
import type { InfoRequestRecord, StoredEvent } from './request.model.ts';

/** What the mini-program's subscribe messages need (wired from channels/wechat/request-notice.ts). */
export interface RequestNotices {
  appId: string;
  templateId: string;
  send(notice: { openid: string; receiptNumber: string; step: string; agencyName: string; at: Date }): Promise<{ externalId: string }>;
}

/** The steps a requester is told about, in the words of the notice; handling inside the agency (assigned) is not one. */
const NOTICE_STEPS: Partial<Record<StoredEvent['type'], string>> = {
  received: '已收到',
  'correction-requested': '需要补正',
  corrected: '已收到补正',
  'consultation-started': '征求意见中',
  extended: '答复期限延长',
  decided: '已答复',
  abandoned: '已终止',
};

interface NoticeClaim {
  _id: string;
  at: Date;
}

const noticeClaims = (deps: RequestDeps) => deps.db.collection('request_notices') as unknown as Collection<NoticeClaim>;

/**
 * Tells a mini-program requester about one step of their request, once, and only with their
 * consent to the template (a one-time grant is spent by the send, a refusal 43101 revokes it).
 * The claim `<receipt>:<event>` makes a retried action send nothing more. A notice is a courtesy:
 * the status page is the record, so a failed send is logged (without personal data), not retried.
 */
export async function noticeRequester(deps: RequestDeps & { notices?: RequestNotices }, doc: InfoRequestRecord, event: StoredEvent): Promise<string> {
  const step = NOTICE_STEPS[event.type];
  if (!deps.notices || !doc.residentId || !step) return 'not-noticed';
  const { appId, templateId } = deps.notices;
  const subscriber = await subscriberCollection(deps.db).findOne({ _id: new Types.ObjectId(doc.residentId) });
  if (!subscriber || subscriber.status !== 'active') return 'no-resident';
  const _id = consentId(appId, subscriber.openid, templateId);
  const consents = consentCollection(deps.db);
  const grant = await consents.findOne({ _id });
  if (!grant || grant.revoked || (grant.kind === 'one-time' && grant.remaining <= 0)) return 'no-consent';
  const index = doc.events.indexOf(event) + 1;
  if (!(await claimId(noticeClaims(deps), { _id: `${doc._id}:${index}`, at: deps.now() }))) return 'already-noticed';
  const agency = await agencyModel(deps.db).findOne({ code: doc.agencyCode }, { name: 1 }).lean();
  try {
    await deps.notices.send({ openid: subscriber.openid, receiptNumber: doc._id, step, agencyName: agency?.name ?? doc.agencyCode, at: event.at });
    if (grant.kind === 'one-time') await consents.updateOne({ _id, kind: 'one-time', remaining: { $gt: 0 } }, { $inc: { remaining: -1 }, $set: { updatedAt: deps.now() } });
    return 'sent';
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? 'error');
    if (code === '43101') await consents.updateOne({ _id }, { $set: { remaining: 0, revoked: true, updatedAt: deps.now() } });
    deps.logger?.warn({ requestId: doc._id, step: event.type, code }, 'request notice not sent');
    return `failed:${code}`;
  }
}
