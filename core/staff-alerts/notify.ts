import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { StaffAlertError, type StaffAlertKind } from '../../channels/staff-alerts/types.ts';
import { agencyModel } from '../models/agency.model.ts';
import { claimId } from '../store/claims.ts';
import type { StaffAlertEvent } from './events.ts';
import { senderFor, type StaffAlertWiring } from './senders.ts';
import type { StaffAlertEventKind } from './target-input.ts';
import { activeTargets, type StaffAlertTargetRecord } from './targets.ts';

/** Attempts per (event, target), and the wait after each failed one: about 1¼ hours in all. */
export const STAFF_ALERT_RETRY = { maxAttempts: 5, backoffMs: [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000] } as const;
/** A claimed attempt with no outcome after this long was cut off (its process died): the next run moves on. */
const STALE_CLAIM_MS = 60_000;

export type NotificationState = 'pending' | 'retry' | 'sent' | 'failed';

/**
 * One notice of one event to one target, `_id` `<event id>@<target id>`: created once by insert
 * however many watch runs overlap, then moved by whoever holds its attempt's claim
 * (`staff_alert_claims`, `<_id>#<attempt>`, inserted before the send), so each attempt is made once.
 */
export interface StaffAlertNotification {
  _id: string;
  agencyCode: string;
  targetId: string;
  targetKind: StaffAlertKind;
  mode: 'live' | 'sandbox';
  eventId: string;
  eventKind: StaffAlertEventKind;
  /** The notice's title, for the admin's list (no secrets, no withheld content). */
  title: string;
  state: NotificationState;
  attempts: number;
  nextAttemptAt: Date;
  /** The vendor's code and words for the last failure (`93000`, `310000`, `timeout`…). */
  lastError?: { code: string; reason: string; at: Date };
  externalId?: string;
  sentAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const staffAlertNotifications = (db: Connection) => db.collection('staff_alert_notifications') as unknown as Collection<StaffAlertNotification>;
const claims = (db: Connection) => db.collection('staff_alert_claims') as unknown as Collection<{ _id: string; at: Date }>;

export interface NotifyResult {
  sent: string[];
  retrying: string[];
  failed: string[];
}

/**
 * Tells each agency's active targets about its events, once per (event, target): notices already
 * sent or failed are left alone, ones waiting for a retry go when their time comes. Vendor failures are recorded by code and reason; a configuration error (unknown key,
 * signature, keyword) fails at once, a transient one is retried STAFF_ALERT_RETRY.maxAttempts times.
 */
export async function notifyStaff(db: Connection, wiring: StaffAlertWiring, loadEvents: () => Promise<StaffAlertEvent[]>, now: Date, logger?: Logger): Promise<NotifyResult> {
  const result: NotifyResult = { sent: [], retrying: [], failed: [] };
  // Most deployments have no target: then the events are not even read.
  const targets = await activeTargets(db);
  if (!targets.length) return result;
  const events = await loadEvents();
  if (!events.length) return result;
  const names = new Map((await agencyModel(db).find({ code: { $in: [...new Set(targets.map((t) => t.owner))] } }, { code: 1, name: 1 }).lean()).map((a) => [a.code, a.name]));
  for (const target of targets) {
    for (const event of events) {
      if (event.agencyCode !== target.owner || !target.events.includes(event.kind)) continue;
      const outcome = await notifyOnce(db, wiring, target, event, names.get(target.owner) ?? target.owner, now);
      if (outcome) result[outcome.state === 'sent' ? 'sent' : outcome.state === 'failed' ? 'failed' : 'retrying'].push(outcome._id);
    }
  }
  if (result.failed.length || result.retrying.length) logger?.warn({ failed: result.failed, retrying: result.retrying }, 'staff alerts not delivered');
  return result;
}

/** One (event, target): the notice's next attempt if one is due and this call claims it; else nothing. */
async function notifyOnce(db: Connection, wiring: StaffAlertWiring, target: StaffAlertTargetRecord, event: StaffAlertEvent, agencyName: string, now: Date): Promise<StaffAlertNotification | undefined> {
  const notifications = staffAlertNotifications(db);
  const _id = `${event.id}@${target._id}`;
  let doc = await notifications.findOne({ _id });
  if (!doc) {
    const fresh: StaffAlertNotification = {
      _id,
      agencyCode: target.owner,
      targetId: target._id,
      targetKind: target.kind,
      mode: target.mode as 'live' | 'sandbox',
      eventId: event.id,
      eventKind: event.kind,
      title: `【${event.label}】${event.title}`,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    };
    doc = (await claimId(notifications, fresh)) ? fresh : await notifications.findOne({ _id });
    if (!doc) return undefined;
  }
  if (doc.state === 'sent' || doc.state === 'failed' || doc.nextAttemptAt > now) return undefined;
  const attempt = doc.attempts + 1;
  const claimKey = `${_id}#${attempt}`;
  if (!(await claimId(claims(db), { _id: claimKey, at: now }))) {
    const held = await claims(db).findOne({ _id: claimKey });
    // Another run has this attempt; one that never finished (its process died) counts as a failed attempt.
    if (held && now.getTime() - held.at.getTime() > STALE_CLAIM_MS) {
      await notifications.updateOne({ _id, attempts: doc.attempts }, { $set: { attempts: attempt, state: 'retry', nextAttemptAt: now, updatedAt: now, lastError: { code: 'interrupted', reason: 'the attempt’s process stopped before recording an outcome', at: now } } });
    }
    return undefined;
  }
  const message = { key: _id, event: event.label, title: event.title, agencyName, lines: event.lines, url: `${wiring.publicBaseUrl.replace(/\/+$/, '')}${event.path}`, at: event.at };
  let set: Partial<StaffAlertNotification>;
  try {
    const { externalId } = await senderFor(target, wiring).send(message);
    set = { state: 'sent', attempts: attempt, sentAt: now, ...(externalId ? { externalId } : {}) };
  } catch (error) {
    const failure = error instanceof StaffAlertError ? error : new StaffAlertError(target.kind, 'unexpected', (error as Error)?.message ?? String(error), 'retry');
    const giveUp = failure.action === 'fail' || attempt >= STAFF_ALERT_RETRY.maxAttempts;
    const wait = Math.max(STAFF_ALERT_RETRY.backoffMs[attempt - 1] ?? 0, failure.retryAfterMs ?? 0);
    set = {
      state: giveUp ? 'failed' : 'retry',
      attempts: attempt,
      nextAttemptAt: new Date(now.getTime() + wait),
      lastError: { code: failure.code, reason: failure.message, at: now },
    };
  }
  await notifications.updateOne({ _id }, { $set: { ...set, updatedAt: now } });
  return { ...doc, ...set } as StaffAlertNotification;
}

/** The agency's notices, newest first (the admin's view of what reached the officers). */
export async function listNotifications(db: Connection, agencyCode: string, limit = 200) {
  const docs = await staffAlertNotifications(db).find({ agencyCode }).sort({ createdAt: -1, _id: 1 }).limit(limit).toArray();
  return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
}
