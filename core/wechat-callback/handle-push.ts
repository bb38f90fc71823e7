import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { claimId } from '../store/claims.ts';
import { isDuplicateKeyError } from '../db.ts';
import { regionPrefix } from '../disclosures/create.ts';
import { ValidationError } from '../errors.ts';
import { ANY, subscriptionCollection } from '../models/subscription.model.ts';
import { findSubscriber, upsertSubscriber } from '../subscriptions/subscribers.ts';
import { createSubscription, deleteAllSubscriptions, listSubscriptions, type SubscriptionInput } from '../subscriptions/subscriptions.ts';
import { parseScene, sceneOfEventKey } from '../wechat-qr/scene.ts';
import { parseCommand } from './commands.ts';
import { unfollow } from './events.ts';
import { recordMassResult, recordTemplateResult } from './job-results.ts';
import * as replies from './replies.ts';
import { reactionsInbox, seenPushes } from './store.ts';
import { field, requiredField, type PushFields } from './xml.ts';

export interface CallbackDeps {
  db: Connection;
  /** The official account's appid: subscribers are keyed by (appId, openid). */
  appId: string;
  now: () => Date;
  /** openid → pseudonym (HMAC); openids never reach logs or the opinion inbox in clear. */
  pseudonym: (openid: string) => string;
  logger: Logger;
}

/**
 * Handles one decrypted push and returns the text to reply, or undefined for `success`.
 *
 * WeChat waits 5 s for the answer, then re-posts (3 deliveries in all). Everything here is a
 * few database writes and no vendor call, so it stays well inside that window; anything slow
 * (sending messages, analysing opinions) belongs to jobs that read what is stored here.
 */
export async function handlePush(deps: CallbackDeps, push: PushFields): Promise<string | undefined> {
  const openid = requiredField(push, 'FromUserName');
  const msgType = requiredField(push, 'MsgType');
  const key = dedupeKey(deps, push, openid, msgType);
  const seen = seenPushes(deps.db);
  if (!(await claimId(seen, { _id: key, at: deps.now() }))) {
    deps.logger.info({ msgType, key }, 'duplicate push ignored');
    return (await seen.findOne({ _id: key }))?.reply;
  }
  try {
    const reply = msgType === 'event' ? await onEvent(deps, push, openid) : await onMessage(deps, push, openid, msgType);
    if (reply !== undefined) await seen.updateOne({ _id: key }, { $set: { reply } });
    return reply;
  } catch (error) {
    // Give the claim back so that WeChat's retry of this push can do the work.
    await seen.deleteOne({ _id: key }).catch(() => undefined);
    throw error;
  }
}

/**
 * Messages are deduplicated by MsgId, events by sender + CreateTime + Event (wechat.md §3.3).
 * Job-finish events add their MsgID: two template messages to one follower can finish in the
 * same second.
 */
function dedupeKey(deps: CallbackDeps, push: PushFields, openid: string, msgType: string): string {
  const createTime = requiredField(push, 'CreateTime');
  if (msgType === 'event') {
    const msgId = field(push, 'MsgID') ?? field(push, 'MsgId');
    return ['event', deps.pseudonym(openid), createTime, field(push, 'Event') ?? '', ...(msgId ? [msgId] : [])].join(':');
  }
  const msgId = field(push, 'MsgId');
  return msgId ? `msg:${msgId}` : ['msg', deps.pseudonym(openid), createTime, msgType].join(':');
}

async function onEvent(deps: CallbackDeps, push: PushFields, openid: string): Promise<string | undefined> {
  const event = field(push, 'Event') ?? '';
  const who = deps.pseudonym(openid).slice(0, 12);
  switch (event.toLowerCase()) {
    case 'subscribe': {
      await upsertSubscriber(deps.db, { appId: deps.appId, openid, kind: 'oa-follower' }, deps.now());
      deps.logger.info({ event, who }, 'follower subscribed');
      // Followed by scanning a subscribe QR code (EventKey qrscene_<scene>): the scene's subscription too.
      const eventKey = field(push, 'EventKey');
      const input = parseScene(sceneOfEventKey('subscribe', eventKey));
      if (input) return subscribe(deps, openid, input, 'qr');
      if (eventKey) deps.logger.info({ event, who, eventKey: eventKey.slice(0, 80) }, 'follow by a code that names no subscription');
      return replies.WELCOME;
    }
    case 'scan': {
      // A follower scanned a code: its scene, as `订阅 …` would.
      const eventKey = field(push, 'EventKey');
      const input = parseScene(sceneOfEventKey('scan', eventKey));
      if (input) return subscribe(deps, openid, input, 'qr');
      deps.logger.info({ event, who, eventKey: eventKey?.slice(0, 80) }, 'scan of a code that names no subscription');
      return replies.HELP;
    }
    case 'unsubscribe':
      await unfollow(deps, openid);
      deps.logger.info({ event, who }, 'follower unsubscribed');
      return undefined;
    case 'templatesendjobfinish':
      // With MsgID 0 (client_msg_id set) the sender and CreateTime find the delivery instead (job-results.ts).
      await recordTemplateResult(deps, field(push, 'MsgID') ?? field(push, 'MsgId'), field(push, 'Status'), {
        openid,
        follower: deps.pseudonym(openid),
        createTime: requiredField(push, 'CreateTime'),
      });
      return undefined;
    case 'masssendjobfinish':
      // A broadcast's counts (FilterCount: after WeChat's 4-a-month filter), on its delivery record.
      await recordMassResult(deps, push);
      return undefined;
    default:
      return undefined;
  }
}

async function onMessage(deps: CallbackDeps, push: PushFields, openid: string, msgType: string): Promise<string> {
  if (msgType !== 'text') return replies.HELP;
  const content = field(push, 'Content') ?? '';
  const command = parseCommand(content);
  switch (command.kind) {
    case 'subscribe':
      return subscribe(deps, openid, command.input);
    case 'subscribe-usage':
      return replies.subscribeUsage(command.problem);
    case 'unsubscribe': {
      const subscriber = await findSubscriber(deps.db, deps.appId, openid);
      return replies.unsubscribed(subscriber ? await deleteAllSubscriptions(deps.db, subscriber._id) : 0);
    }
    case 'list': {
      const subscriber = await findSubscriber(deps.db, deps.appId, openid);
      const items = subscriber ? await listSubscriptions(deps.db, subscriber._id) : [];
      // Regions are stored as prefixes (1101); residents typed six digits (110100).
      return replies.subscriptionList(items.map((s) => ({ ...s, region: s.region?.padEnd(6, '0') })));
    }
    case 'other':
      await keepForOpinionMonitor(deps, push, openid, content);
      return replies.RECEIVED;
  }
}

/** `订阅 …` typed, or a subscribe QR code scanned: one path, so both answer and dedupe alike. */
async function subscribe(deps: CallbackDeps, openid: string, input: SubscriptionInput, via: 'text' | 'qr' = 'text'): Promise<string> {
  const now = deps.now();
  const subscriber = await upsertSubscriber(deps.db, { appId: deps.appId, openid, kind: 'oa-follower' }, now);
  const same = await subscriptionCollection(deps.db).findOne({
    subscriberId: subscriber._id,
    channel: 'wechat-oa',
    active: true,
    field: input.field ?? ANY,
    region: input.region ? regionPrefix(input.region) : ANY,
    applicationNumber: input.applicationNumber ?? ANY,
    itemType: ANY,
    agency: ANY,
    projectCode: ANY,
    keywords: { $size: 0 },
  });
  if (same) return replies.subscribed(input, true);
  try {
    await createSubscription(deps.db, subscriber, 'wechat-oa', input, now);
  } catch (error) {
    if (error instanceof ValidationError) return replies.LIMIT_REACHED;
    throw error;
  }
  deps.logger.info({ who: deps.pseudonym(openid).slice(0, 12), via }, 'follower subscribed to disclosures');
  return replies.subscribed(input, false);
}

/** Free text is kept (pseudonymised) for the public-opinion monitor; a retried push is stored once. */
async function keepForOpinionMonitor(deps: CallbackDeps, push: PushFields, openid: string, text: string): Promise<void> {
  const msgId = field(push, 'MsgId');
  if (!msgId || !text.trim()) return;
  try {
    await reactionsInbox(deps.db).insertOne({
      _id: `wechat-oa:${msgId}`,
      source: 'wechat-oa',
      openid: deps.pseudonym(openid),
      text,
      receivedAt: deps.now(),
    });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
}
