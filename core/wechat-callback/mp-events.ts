import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { claimId } from '../store/claims.ts';
import { consentCollection, consentId } from '../models/consent.model.ts';
import { seenPushes } from './store.ts';
import { field, requiredField, type PushFields } from './xml.ts';

export interface MpCallbackDeps {
  db: Connection;
  /** The mini-program's appid: consents are keyed by (appId, openid, templateId). */
  appId: string;
  now: () => Date;
  pseudonym: (openid: string) => string;
  logger: Logger;
}

/** One entry of an event's `List`; XML gives one object per element, JSON an object for one and an array for several. */
function listEntries(push: PushFields, wrapper: string): Record<string, unknown>[] {
  const list = (push[wrapper] as { List?: unknown } | undefined)?.List;
  const entries = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return entries.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
}

const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);

/**
 * A mini-program push (消息推送, wechat.md §4.6). What matters to gongkai is consent taken back:
 * `subscribe_msg_change_event` (the user switched the template off in 服务通知; only `reject` is
 * pushed) and a `reject`/`ban` in `subscribe_msg_popup_event`. The consent is revoked, so the
 * fan-out skips the user instead of spending calls on 43101. Accepts are not counted here: the
 * mini-program reports them through the consent API, and counting both would double a credit.
 * Events are deduplicated by sender + CreateTime + Event, like the OA's.
 */
export async function handleMpPush(deps: MpCallbackDeps, push: PushFields): Promise<void> {
  const openid = requiredField(push, 'FromUserName');
  if (requiredField(push, 'MsgType') !== 'event') return;
  const event = field(push, 'Event') ?? '';
  const wrapper = event === 'subscribe_msg_change_event' ? 'SubscribeMsgChangeEvent' : event === 'subscribe_msg_popup_event' ? 'SubscribeMsgPopupEvent' : undefined;
  if (!wrapper) return;
  const key = ['mp', deps.appId, deps.pseudonym(openid), requiredField(push, 'CreateTime'), event].join(':');
  const seen = seenPushes(deps.db);
  if (!(await claimId(seen, { _id: key, at: deps.now() }))) {
    deps.logger.info({ event, key }, 'duplicate push ignored');
    return;
  }
  try {
    const now = deps.now();
    const refused = listEntries(push, wrapper).filter((e) => ['reject', 'ban'].includes(text(e.SubscribeStatusString) ?? ''));
    for (const entry of refused) {
      const templateId = text(entry.TemplateId);
      if (!templateId || !/^[A-Za-z0-9_-]{1,64}$/.test(templateId)) continue;
      const _id = consentId(deps.appId, openid, templateId);
      const result = await consentCollection(deps.db).updateOne({ _id }, { $set: { remaining: 0, revoked: true, updatedAt: now } });
      deps.logger.info({ event, who: deps.pseudonym(openid).slice(0, 12), templateId, revoked: result.matchedCount > 0 }, 'subscribe-message consent switched off');
    }
  } catch (error) {
    // Give the claim back so that WeChat's retry of this push can do the work.
    await seen.deleteOne({ _id: key }).catch(() => undefined);
    throw error;
  }
}
