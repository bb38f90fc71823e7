import type { ChannelId, Recipient } from '../../channels/types.ts';
import { consentCollection, consentId } from '../models/consent.model.ts';
import { subscriberCollection } from '../models/subscriber.model.ts';
import { subscriptionCollection } from '../models/subscription.model.ts';
import type { FanOutDeps } from './deps.ts';

/**
 * Mini-program subscribe messages need the user's consent for the template: a recipient with
 * no long-term grant and no one-time grant left is skipped without calling WeChat.
 * Returns recipient id → skip code.
 */
export async function consentFilter(deps: FanOutDeps, channel: ChannelId, recipients: Recipient[]): Promise<Map<string, string>> {
  const skip = new Map<string, string>();
  if (channel !== 'wechat-mp' || !deps.mp || !recipients.length) return skip;
  const { appId, templateId } = deps.mp;
  const grants = await consentCollection(deps.db)
    .find({ _id: { $in: recipients.map((r) => consentId(appId, r.address, templateId)) } })
    .toArray();
  const usable = new Set(grants.filter((g) => !g.revoked && (g.kind === 'long-term' || g.remaining > 0)).map((g) => g.openid));
  for (const r of recipients) if (!usable.has(r.address)) skip.set(r.id, 'no-consent');
  return skip;
}

type Outcome = { recipient: Recipient; result: { state: string; code?: string } };

/**
 * What a send taught us about the recipient: a spent one-time grant, a refused consent (43101),
 * an openid WeChat does not know (40003) or a user who left the account (43004).
 */
export async function applyRecipientSideEffects(deps: FanOutDeps, channel: ChannelId, outcomes: Outcome[]): Promise<void> {
  if (channel !== 'wechat-oa' && channel !== 'wechat-mp') return;
  const now = deps.now();
  const consents = consentCollection(deps.db);
  for (const { recipient, result } of outcomes) {
    if (channel === 'wechat-mp' && deps.mp) {
      const _id = consentId(deps.mp.appId, recipient.address, deps.mp.templateId);
      if (result.state === 'sent') {
        await consents.updateOne({ _id, kind: 'one-time', remaining: { $gt: 0 } }, { $inc: { remaining: -1 }, $set: { updatedAt: now } });
      } else if (result.code === '43101') {
        await consents.updateOne({ _id }, { $set: { remaining: 0, revoked: true, updatedAt: now } });
      }
    }
    if (result.code === '40003' || result.code === '43004' || result.code === '43019') {
      const status = result.code === '40003' ? 'invalid' : 'unfollowed';
      await subscriptionCollection(deps.db).updateMany({ channel, address: recipient.address }, { $set: { active: false, updatedAt: now } });
      await subscriberCollection(deps.db).updateMany({ openid: recipient.address }, { $set: { status, updatedAt: now } });
    }
  }
}
