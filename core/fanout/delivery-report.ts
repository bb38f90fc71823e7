import { Types, type Connection } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { recordAudit } from '../audit.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { DELIVERY_STATES, deliveryCollection, type DeliveryState } from '../models/delivery.model.ts';
import { disclosureCollection } from '../models/disclosure.model.ts';
import { fanOutCollection } from '../models/fanout.model.ts';
import { broadcastResults } from './broadcast-results.ts';
import { failureReason } from './failure-reasons.ts';
import { outboxKey, parseOutboxKey, type ChangeKey } from './outbox-keys.ts';

async function ownDisclosure(db: Connection, principal: Principal, id: string) {
  const doc = await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) }, { projection: { agencyCode: 1, outbox: 1 } });
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== principal.agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
  return doc;
}

type Counts = Record<DeliveryState, number>;
const zero = (): Counts => Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Counts;

/**
 * Per channel: how many deliveries are in each state, why the failed ones failed (grouped by
 * state and vendor code, each with its Chinese `reason`), and the outbox.
 * `counts` are `live` sends only, the ones that reached the public; sends through the sandbox
 * are counted apart (`sandbox`), and so are records written before modes were recorded
 * (`unrecordedMode`), so nothing that went to the sandbox is ever reported as delivered.
 */
export async function deliveryReport(db: Connection, principal: Principal, id: string) {
  const doc = await ownDisclosure(db, principal, id);
  const grouped = await deliveryCollection(db)
    .aggregate<{ _id: { channel: string; mode?: string; state: DeliveryState; code?: string }; n: number }>([
      { $match: { disclosureId: id } },
      { $group: { _id: { channel: '$channel', mode: '$mode', state: '$state', code: '$code' }, n: { $sum: 1 } } },
    ])
    .toArray();
  type Failure = { state: string; code: string; count: number; reason: string; mode?: string };
  type Row = { counts: Counts; sandbox?: Counts; unrecordedMode?: Counts; failures: Failure[] };
  const channels = new Map<string, Row>();
  const entry = (channel: string) => {
    let found = channels.get(channel);
    if (!found) channels.set(channel, (found = { counts: zero(), failures: [] }));
    return found;
  };
  for (const { _id, n } of grouped) {
    const row = entry(_id.channel);
    const bucket = _id.mode === 'live' ? row.counts : _id.mode === 'sandbox' ? (row.sandbox ??= zero()) : (row.unrecordedMode ??= zero());
    bucket[_id.state] += n;
    if (_id.code && _id.state !== 'sent') {
      const mode = _id.mode !== 'live' ? { mode: _id.mode ?? 'unrecorded' } : {};
      row.failures.push({ state: _id.state, code: _id.code, count: n, reason: failureReason(_id.channel, _id.code), ...mode });
    }
  }
  const progress = new Map(
    (await fanOutCollection(db).find({ disclosureId: id }).toArray()).map((f) => [f.outboxKey, f]),
  );
  const outbox = Object.entries(doc.outbox ?? {}).map(([key, value]) => {
    const parsed = parseOutboxKey(key);
    const run = progress.get(key);
    entry(value.channel);
    return {
      change: parsed?.change,
      channel: value.channel,
      state: run?.state ?? 'queued',
      ...(run?.resumeAt ? { resumeAt: run.resumeAt } : {}),
      ...(run?.finishedAt ? { finishedAt: run.finishedAt } : {}),
    };
  });
  // Broadcasts (OA mass sends): WeChat's counts, including how many followers it filtered out.
  const broadcasts = await broadcastResults(db, id);
  return {
    disclosureId: id,
    channels: [...channels.entries()].map(([channel, row]) => ({
      channel,
      ...row,
      ...(channel === 'wechat-oa' && broadcasts.length ? { broadcasts } : {}),
      outbox: outbox.filter((o) => o.channel === channel),
    })),
  };
}

/**
 * Puts failed deliveries back in line; returns the outbox keys to run again (their fan-out's
 * retry pass picks them up).
 * Each delivery keeps its record, so a retry cannot double-send one that succeeded.
 */
export async function retryFailedDeliveries(db: Connection, principal: Principal, id: string, channel: string | undefined, now: Date) {
  await ownDisclosure(db, principal, id);
  const filter = { disclosureId: id, state: 'failed' as const, ...(channel ? { channel: channel as never } : {}) };
  const failed = await deliveryCollection(db).find(filter, { projection: { messageKey: 1, channel: 1 } }).toArray();
  const keys = [...new Set(failed.map((d) => outboxKey(d.messageKey.split(':')[1] as ChangeKey, d.channel)))];
  // Failed is a final state nobody else writes, so this update cannot race a sender.
  const requeued = await deliveryCollection(db).updateMany(filter, { $set: { state: 'retry', nextAttemptAt: now, attempts: 0, updatedAt: now } });
  await recordAudit(db, {
    action: 'delivery.retry',
    actor: { kind: 'key', keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
    agencyCode: principal.agencyCode,
    subject: id,
    detail: { requeued: requeued.modifiedCount, ...(channel ? { channel } : {}) },
    at: now,
  });
  return { requeued: requeued.modifiedCount, outboxKeys: keys };
}
