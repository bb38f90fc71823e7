import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { claimId } from '../store/claims.ts';
import { isDuplicateKeyError } from '../db.ts';
import { findSubscriber, upsertSubscriber } from '../subscriptions/subscribers.ts';
import { toSubscriptionView, type SubscriptionInput } from '../subscriptions/subscriptions.ts';
import { parseScene, sceneOfEventKey } from '../wechat-qr/scene.ts';
import { parseCommand } from './commands.ts';
import type { CallbackTask, CallbackTaskFields } from './deferred.ts';
import { unfollow } from './events.ts';
import { cancelListedSubscriptions, listedSubscriptions, subscribeFollower } from './follower-subscriptions.ts';
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
  /** Stores work the reply does not wait for and runs it after (deferred.ts). */
  defer: (task: CallbackTask) => Promise<void>;
  /** Runs a task already stored (an acknowledged push, on its claim) after the reply. */
  runStored: (task: CallbackTask) => void;
  /**
   * Admits a push to be handled before its reply, returning the function that ends its turn;
   * undefined when too many are being handled already: the push is then acknowledged and handled
   * by the task runner. Absent: every push is handled before its reply.
   */
  admit?: () => (() => void) | undefined;
}

/** What handling a push's content needs: no deferring, that is handlePush's. */
type HandlerDeps = Omit<CallbackDeps, 'defer' | 'admit' | 'runStored'>;

/** What handling a push decided: the reply, and the work left for after it. */
interface Outcome {
  reply?: string;
  later?: CallbackTaskFields;
}

/**
 * Handles one decrypted push and returns the text to reply, or undefined for `success`.
 *
 * WeChat waits 5 s for the answer, then re-posts (3 deliveries in all), and under a burst many
 * pushes share that window. So the reply waits only for `_id` lookups, inserts and writes by
 * `_id` (FerretDB 1.x scans the whole collection for anything else): what a reply states, such as
 * 订阅成功, is stored when it is sent. Work needing a scan is stored as a task keyed by the push
 * and done after the reply (deferred.ts); no vendor call is made here.
 *
 * Even `_id` writes queue up when hundreds of pushes come at once (one SQLite writer), so only so
 * many are handled before their reply (`admit`); the others are stored whole as a task and
 * answered with what is true at that moment: 已收到 and 正在登记, never 订阅成功.
 */
export async function handlePush(deps: CallbackDeps, push: PushFields): Promise<string | undefined> {
  const openid = requiredField(push, 'FromUserName');
  const msgType = requiredField(push, 'MsgType');
  const key = dedupeKey(deps, push, openid, msgType);
  const ack = acknowledgement(push, msgType);
  const release = ack && deps.admit ? deps.admit() : () => undefined;
  if (!release) return acknowledge(deps, push, key, ack!);
  try {
    return await handleNow(deps, push, openid, msgType, key);
  } finally {
    release();
  }
}

async function handleNow(deps: CallbackDeps, push: PushFields, openid: string, msgType: string, key: string): Promise<string | undefined> {
  const seen = seenPushes(deps.db);
  if (!(await claimId(seen, { _id: key, at: deps.now() }))) return duplicateReply(deps, key);
  const handling = (async () => {
    try {
      const { reply, later } = msgType === 'event' ? await onEvent(deps, push, openid) : await onMessage(deps, push, openid, msgType);
      if (later) await deps.defer({ ...later, _id: key, at: deps.now() } as CallbackTask);
      if (reply !== undefined) await seen.updateOne({ _id: key }, { $set: { reply } });
      return reply;
    } catch (error) {
      // Give the claim back so that WeChat's retry of this push can do the work.
      await seen.deleteOne({ _id: key }).catch(() => undefined);
      throw error;
    }
  })();
  handlingHere.set(key, handling);
  try {
    return await handling;
  } finally {
    handlingHere.delete(key);
  }
}

/** Pushes this process is handling, by dedupe key: a retry of one waits for its reply. */
const handlingHere = new Map<string, Promise<string | undefined>>();

/** How long a retry waits for another process to store the reply of the push it repeats. */
const DUPLICATE_WAIT_MS = 2_000;
const DUPLICATE_POLL_MS = 100;

/**
 * The reply to a push already claimed. WeChat retries a push it got no answer to within 5 s, and
 * shows the answer to the retry: when the first delivery is still being handled, the retry gets
 * its reply once there is one (not `success`, which would show the follower nothing).
 */
async function duplicateReply(deps: Pick<CallbackDeps, 'db' | 'logger'>, key: string): Promise<string | undefined> {
  deps.logger.info({ key }, 'duplicate push ignored');
  const here = handlingHere.get(key);
  if (here) return here.catch(() => undefined);
  const seen = seenPushes(deps.db);
  for (const until = Date.now() + DUPLICATE_WAIT_MS; ; await sleep(DUPLICATE_POLL_MS)) {
    const claim = await seen.findOne({ _id: key });
    // No reply may also mean none is due (an unfollow is answered `success`): the wait is bounded.
    if (!claim || claim.reply !== undefined || Date.now() >= until) return claim?.reply;
  }
}

/**
 * What to answer a push that is stored for the runner instead of handled now; undefined for
 * pushes always handled now (their work is a claim and at most one insert, or a task anyway).
 */
function acknowledgement(push: PushFields, msgType: string): { reply?: string } | undefined {
  if (msgType === 'event') {
    const event = (field(push, 'Event') ?? '').toLowerCase();
    if (event === 'unsubscribe') return {};
    if (event !== 'subscribe' && event !== 'scan') return undefined;
    const input = parseScene(sceneOfEventKey(event, field(push, 'EventKey')));
    if (input) return { reply: replies.subscriptionAccepted(input) };
    return event === 'subscribe' ? { reply: replies.WELCOME } : undefined;
  }
  if (msgType !== 'text') return undefined;
  const command = parseCommand(field(push, 'Content') ?? '');
  if (command.kind === 'subscribe') return { reply: replies.subscriptionAccepted(command.input) };
  if (command.kind === 'unsubscribe') return { reply: replies.UNSUBSCRIBE_ACCEPTED };
  if (command.kind === 'list') return { reply: replies.LIST_BUSY };
  return undefined;
}

/** The fields of an acknowledged push that its handling reads. */
const ACKNOWLEDGED_FIELDS = ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Event', 'EventKey', 'Content', 'MsgId'];

/**
 * Claims the push with its acknowledgement as the reply (a retry gets the same) and the push
 * itself on the claim, for the runner: one insert, when inserts are what is queueing.
 */
async function acknowledge(deps: CallbackDeps, push: PushFields, key: string, ack: { reply?: string }): Promise<string | undefined> {
  const seen = seenPushes(deps.db);
  const at = deps.now();
  // What handling reads, nothing else: an XML tag name may hold `.`, which no stored key may.
  const kept = Object.fromEntries(ACKNOWLEDGED_FIELDS.flatMap((name) => (typeof push[name] === 'string' ? [[name, push[name]]] : [])));
  const pending = { appId: deps.appId, push: kept };
  if (!(await claimId(seen, { _id: key, at, ...(ack.reply !== undefined ? { reply: ack.reply } : {}), pending }))) return duplicateReply(deps, key);
  deps.runStored({ _id: key, at, kind: 'push', ...pending });
  deps.logger.info({ key }, 'many pushes at once: acknowledged, handled after the reply');
  return ack.reply;
}

/** Handles a push the callback acknowledged (deferred.ts): what it replied is already sent. */
export async function handleAcknowledged(deps: HandlerDeps, push: PushFields): Promise<CallbackTaskFields | undefined> {
  const openid = requiredField(push, 'FromUserName');
  const msgType = requiredField(push, 'MsgType');
  const { reply, later } = msgType === 'event' ? await onEvent(deps, push, openid) : await onMessage(deps, push, openid, msgType);
  if (reply === replies.LIMIT_REACHED) deps.logger.warn({ who: deps.pseudonym(openid).slice(0, 12) }, 'acknowledged subscription not made: the follower has the most subscriptions');
  return later;
}

/**
 * Messages are deduplicated by MsgId, events by sender + CreateTime + Event (wechat.md §3.3).
 * Job-finish events add their MsgID: two template messages to one follower can finish in the
 * same second.
 */
/** The MASSSENDJOBFINISH fields kept for its task. */
function massFields(push: PushFields): Record<string, string> {
  const names = ['MsgID', 'MsgId', 'Status', 'TotalCount', 'FilterCount', 'SentCount', 'ErrorCount'];
  return Object.fromEntries(names.flatMap((name) => (field(push, name) !== undefined ? [[name, field(push, name)!]] : [])));
}

function dedupeKey(deps: CallbackDeps, push: PushFields, openid: string, msgType: string): string {
  const createTime = requiredField(push, 'CreateTime');
  if (msgType === 'event') {
    const msgId = field(push, 'MsgID') ?? field(push, 'MsgId');
    return ['event', deps.pseudonym(openid), createTime, field(push, 'Event') ?? '', ...(msgId ? [msgId] : [])].join(':');
  }
  const msgId = field(push, 'MsgId');
  return msgId ? `msg:${msgId}` : ['msg', deps.pseudonym(openid), createTime, msgType].join(':');
}

async function onEvent(deps: HandlerDeps, push: PushFields, openid: string): Promise<Outcome> {
  const event = field(push, 'Event') ?? '';
  const who = deps.pseudonym(openid).slice(0, 12);
  switch (event.toLowerCase()) {
    case 'subscribe': {
      await upsertSubscriber(deps.db, { appId: deps.appId, openid, kind: 'oa-follower' }, deps.now());
      deps.logger.info({ event, who }, 'follower subscribed');
      // Followed by scanning a subscribe QR code (EventKey qrscene_<scene>): the scene's subscription too.
      const eventKey = field(push, 'EventKey');
      const input = parseScene(sceneOfEventKey('subscribe', eventKey));
      if (input) return { reply: await subscribe(deps, openid, input, 'qr') };
      if (eventKey) deps.logger.info({ event, who, eventKey: eventKey.slice(0, 80) }, 'follow by a code that names no subscription');
      return { reply: replies.WELCOME };
    }
    case 'scan': {
      // A follower scanned a code: its scene, as `订阅 …` would.
      const eventKey = field(push, 'EventKey');
      const input = parseScene(sceneOfEventKey('scan', eventKey));
      if (input) return { reply: await subscribe(deps, openid, input, 'qr') };
      deps.logger.info({ event, who, eventKey: eventKey?.slice(0, 80) }, 'scan of a code that names no subscription');
      return { reply: replies.HELP };
    }
    case 'unsubscribe': {
      const later = await unfollow(deps, openid);
      deps.logger.info({ event, who }, 'follower unsubscribed');
      return later ? { later } : {};
    }
    case 'templatesendjobfinish':
      // Its delivery is found by msgid, a scan of `deliveries`; nothing in the answer depends on it.
      // With MsgID 0 (client_msg_id set) the sender and CreateTime find it instead (job-results.ts).
      return {
        later: {
          kind: 'template-result',
          msgId: field(push, 'MsgID') ?? field(push, 'MsgId'),
          status: field(push, 'Status'),
          sender: { openid, follower: deps.pseudonym(openid), createTime: requiredField(push, 'CreateTime') },
        },
      };
    case 'masssendjobfinish':
      // A broadcast's counts (FilterCount: after WeChat's 4-a-month filter), found by msg_id: a scan too.
      return { later: { kind: 'mass-result', push: massFields(push) } };
    default:
      return {};
  }
}

async function onMessage(deps: HandlerDeps, push: PushFields, openid: string, msgType: string): Promise<Outcome> {
  if (msgType !== 'text') return { reply: replies.HELP };
  const content = field(push, 'Content') ?? '';
  const command = parseCommand(content);
  switch (command.kind) {
    case 'subscribe':
      return { reply: await subscribe(deps, openid, command.input) };
    case 'subscribe-usage':
      return { reply: replies.subscribeUsage(command.problem) };
    case 'unsubscribe': {
      const subscriber = await findSubscriber(deps.db, deps.appId, openid);
      if (!subscriber) return { reply: replies.unsubscribed(0) };
      // The count is of what was deleted before answering; the sweep only removes what the list missed.
      const count = await cancelListedSubscriptions(deps.db, subscriber.key);
      return { reply: replies.unsubscribed(count), later: { kind: 'sweep-cancelled', subscriberId: subscriber._id, keyId: subscriber.key._id } };
    }
    case 'list': {
      const subscriber = await findSubscriber(deps.db, deps.appId, openid);
      const items = subscriber ? (await listedSubscriptions(deps.db, subscriber.key)).map(toSubscriptionView) : [];
      // Regions are stored as prefixes (1101); residents typed six digits (110100).
      return { reply: replies.subscriptionList(items.map((s) => ({ ...s, region: s.region?.padEnd(6, '0') }))) };
    }
    case 'other':
      await keepForOpinionMonitor(deps, push, openid, content);
      return { reply: replies.RECEIVED };
  }
}

/** `订阅 …` typed, or a subscribe QR code scanned: one path, so both answer and dedupe alike. */
async function subscribe(deps: HandlerDeps, openid: string, input: SubscriptionInput, via: 'text' | 'qr' = 'text'): Promise<string> {
  const now = deps.now();
  const subscriber = await upsertSubscriber(deps.db, { appId: deps.appId, openid, kind: 'oa-follower' }, now);
  const outcome = await subscribeFollower(deps.db, subscriber, input, now);
  if (outcome === 'limit') return replies.LIMIT_REACHED;
  if (outcome === 'already') return replies.subscribed(input, true);
  deps.logger.info({ who: deps.pseudonym(openid).slice(0, 12), via }, 'follower subscribed to disclosures');
  return replies.subscribed(input, false);
}

/** Free text is kept (pseudonymised) for the public-opinion monitor; a retried push is stored once. */
async function keepForOpinionMonitor(deps: HandlerDeps, push: PushFields, openid: string, text: string): Promise<void> {
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
