import type { WorkCalendar } from '../calendar/types.ts';
import { open, type SealKeys } from '../crypto/sealed.ts';
import type { RequestRow } from '../read-model/request-types.ts';
import { requestClock } from './clock.ts';
import { decisionType } from './decisions.ts';
import { DELIVERY_FORM_NAMES, ID_TYPE_NAMES, type InfoRequestRecord, type StoredEvent } from './request.model.ts';

/** 1101**********1234: the first and last four characters, the rest as stars (short numbers: one each). */
export function maskId(value: string): string {
  const keep = value.length >= 12 ? 4 : 1;
  if (value.length <= keep * 2) return '*'.repeat(value.length);
  return `${value.slice(0, keep)}${'*'.repeat(value.length - keep * 2)}${value.slice(-keep)}`;
}

/** 张*明, 李*: a natural person's name with all but its first (and, from three characters, last) character hidden. */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length <= 1) return '*';
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`;
}

const opened = (keys: SealKeys, doc: InfoRequestRecord, field: string, value: string) => open(keys, value, `request:${doc._id}:${field}`);

const EVENT_NAMES: Record<StoredEvent['type'], string> = {
  submitted: '提交申请',
  received: '确认收到申请',
  assigned: '已分派承办',
  'correction-requested': '告知补正',
  corrected: '收到补正',
  'consultation-started': '征求意见（期间不计入答复期限）',
  'consultation-ended': '意见征求结束',
  extended: '延长答复期限',
  decided: '作出答复',
  abandoned: '视为放弃申请',
};

/** What the requester may see of an event: its kind, day and notice; never who handled it. */
function publicEvent(event: StoredEvent) {
  const base = { type: event.type, name: EVENT_NAMES[event.type], on: event.on, ...(event.note ? { note: event.note } : {}) };
  switch (event.type) {
    case 'correction-requested':
      return { ...base, items: event.items, dueOn: event.dueOn };
    case 'extended':
      return { ...base, days: event.days, reason: event.reason, approvedBy: '经政府信息公开工作机构负责人同意' };
    case 'consultation-started':
      return { ...base, party: event.party };
    case 'decided':
      return { ...base, decision: event.decision, ...(event.reason ? { reason: event.reason } : {}) };
    default:
      return base;
  }
}

function clockView(doc: InfoRequestRecord, calendar: WorkCalendar, now: Date) {
  const clock = requestClock(doc.events, calendar);
  return {
    state: clock.state,
    ...(clock.receivedOn ? { receivedOn: clock.receivedOn } : {}),
    ...(clock.countFrom ? { countFrom: clock.countFrom } : {}),
    ...(clock.dueOn ? { dueOn: clock.dueOn, overdue: !clock.closedOn && clock.dueAt! < now } : {}),
    ...(clock.correctionAskBy ? { correctionAskBy: clock.correctionAskBy } : {}),
    ...(clock.correctionDueOn ? { correctionDueOn: clock.correctionDueOn } : {}),
    ...(clock.opinionDueOn ? { opinionDueOn: clock.opinionDueOn } : {}),
    extendedDays: clock.extendedDays,
    pausedWorkingDays: clock.pausedWorkingDays,
    ...(clock.closedOn ? { closedOn: clock.closedOn } : {}),
    ...(clock.onTime !== undefined ? { onTime: clock.onTime } : {}),
    ...(clock.calendarGaps.length ? { calendarGaps: clock.calendarGaps } : {}),
  };
}

function replyView(doc: InfoRequestRecord) {
  if (!doc.reply) return undefined;
  const { at: _at, ...reply } = doc.reply;
  const type = decisionType(reply.decision);
  return { ...reply, decisionName: type?.name, reasonName: type?.reasons?.find((r) => r.code === reply.reason)?.name };
}

/** The agency's view: everything, the ID number masked; opening fails loudly with a wrong key. */
export function agencyRequestView(doc: InfoRequestRecord, keys: SealKeys, calendar: WorkCalendar, now: Date) {
  const reply = replyView(doc);
  return {
    receiptNumber: doc._id,
    agencyCode: doc.agencyCode,
    channel: doc.channel,
    requester: {
      type: doc.requester.type,
      name: opened(keys, doc, 'name', doc.requester.name),
      idType: doc.requester.idType,
      idTypeName: ID_TYPE_NAMES[doc.requester.idType],
      idNumber: maskId(opened(keys, doc, 'idNumber', doc.requester.idNumber)),
      contact: JSON.parse(opened(keys, doc, 'contact', doc.requester.contact)) as Record<string, string>,
    },
    description: opened(keys, doc, 'description', doc.description),
    delivery: doc.delivery,
    deliveryName: DELIVERY_FORM_NAMES[doc.delivery],
    ...(doc.assignee ? { assignee: doc.assignee } : {}),
    ...clockView(doc, calendar, now),
    events: doc.events.map((e) => ({ ...publicEvent(e), ...(e.type === 'assigned' ? { assignee: e.assignee } : {}), ...(e.type === 'extended' ? { approver: e.approver } : {}), by: e.by, at: e.at.toISOString() })),
    ...(reply ? { reply } : {}),
    submittedAt: doc.submittedAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    version: doc.version,
  };
}

/** The requester's status page: their own request, name and ID masked, each step and the reply. */
export function requesterView(doc: InfoRequestRecord, keys: SealKeys, calendar: WorkCalendar, now: Date) {
  const name = opened(keys, doc, 'name', doc.requester.name);
  const reply = replyView(doc);
  return {
    receiptNumber: doc._id,
    agencyCode: doc.agencyCode,
    requester: {
      type: doc.requester.type,
      name: doc.requester.type === 'natural' ? maskName(name) : name,
      idNumber: maskId(opened(keys, doc, 'idNumber', doc.requester.idNumber)),
    },
    delivery: doc.delivery,
    deliveryName: DELIVERY_FORM_NAMES[doc.delivery],
    ...clockView(doc, calendar, now),
    events: doc.events.map(publicEvent),
    ...(reply ? { reply } : {}),
    submittedAt: doc.submittedAt.toISOString(),
  };
}

/** A line of a list, from the read model: no personal data, the clock and whether it is late. */
export function requestLine(row: RequestRow, now: Date) {
  const { version: _v, residentId: _r, updatedAt, submittedAt, dueAt, ...rest } = row;
  return {
    ...rest,
    receiptNumber: row.id,
    submittedAt: new Date(submittedAt).toISOString(),
    updatedAt: new Date(updatedAt).toISOString(),
    overdue: !row.closedOn && dueAt !== undefined && dueAt < now.getTime(),
  };
}
