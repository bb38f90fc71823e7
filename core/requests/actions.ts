import type { Principal } from '../agencies/api-keys.ts';
import { todayInChina } from '../calendar/due-date.ts';
import type { WorkCalendar } from '../calendar/types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { VersionConflict } from '../store/versioned.ts';
import { CORRECTION_REQUEST_WORKING_DAYS, requestClock, type RequestClock } from './clock.ts';
import { decisionType } from './decisions.ts';
import { requireKeys, type RequestDeps } from './deps.ts';
import type { ReplyInput } from './input.ts';
import type { InfoRequestRecord, RequestReply, StoredEvent } from './request.model.ts';
import { sealFor } from './submit.ts';
import { noticeRequester } from './notify.ts';

/** What one action does to a request: the event it adds and any fields it sets, or nothing (a retry). */
type Step = { event: StoredEvent; set?: Partial<InfoRequestRecord> } | null;

type Planner = (doc: InfoRequestRecord, clock: RequestClock, ctx: { today: string; at: Date; by: string; calendar: WorkCalendar }) => Step;

const conflict = (message: string) => new ConflictError(message);

/**
 * One staff action on one of the agency's requests, as a versioned single-document write
 * (core/store/versioned.ts): the planner sees the request and its clock, and either refuses
 * (409 naming the rule), adds one event, or finds the action already done (a retry: unchanged).
 * Another agency's request is 404, as if it did not exist.
 */
async function act(deps: RequestDeps, principal: Principal, id: string, planner: Planner): Promise<InfoRequestRecord> {
  const calendar = await deps.calendar.current();
  let added: StoredEvent | undefined;
  let result;
  try {
    result = await deps.store.write(id, principal.keyId, deps.now, (doc, at) => {
      if (doc.agencyCode !== principal.agencyCode) throw new NotFoundError('no such request');
      const step = planner(doc, requestClock(doc.events, calendar), { today: todayInChina(at), at, by: principal.keyId, calendar });
      if (!step) return null;
      added = step.event;
      return { set: { ...step.set, updatedAt: at }, push: { events: step.event } };
    });
  } catch (error) {
    if (error instanceof VersionConflict) throw new ConflictError('the request is being changed by another action; try again');
    throw error;
  }
  if (!result) throw new NotFoundError('no such request');
  if (result.changed) {
    await deps.written(result.doc, result.claim);
    const event = result.doc.events.findLast((e) => e.type === added!.type && e.at.getTime() === added!.at.getTime()) ?? result.doc.events.at(-1)!;
    await deps.audit(result.doc, event, { kind: 'key', keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode });
    // The step is done and recorded; telling the resident must not undo or fail it.
    await noticeRequester(deps, result.doc, event).catch((error: unknown) => deps.logger?.warn({ err: error, requestId: id }, 'request notice failed'));
  }
  return result.doc;
}

const open = (clock: RequestClock) => clock.state !== 'decided' && clock.state !== 'abandoned';

/** 确认收到: for online submissions, the day both sides confirm is the day of receipt (第三十一条第（三）项). */
export function receiveRequest(deps: RequestDeps, principal: Principal, id: string, input: { on?: string; note?: string }) {
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    if (clock.state !== 'awaiting-receipt') return null;
    const on = input.on ?? today;
    const submitted = doc.events[0]!.on;
    if (on > today) throw new ValidationError('receipt in the future', [{ path: 'on', message: 'cannot be after today' }]);
    if (on < submitted) throw new ValidationError('receipt before submission', [{ path: 'on', message: `cannot be before the submission on ${submitted}` }]);
    return { event: { type: 'received', on, at, by, ...(input.note ? { note: input.note } : {}) } };
  });
}

export function assignRequest(deps: RequestDeps, principal: Principal, id: string, input: { assignee: string }) {
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    if (!open(clock)) throw conflict('the request is closed');
    if (doc.assignee === input.assignee) return null;
    return { event: { type: 'assigned', on: today, assignee: input.assignee, at, by }, set: { assignee: input.assignee } };
  });
}

/** 补正 (第三十条): once, all at once, within 7 working days of receipt; the clock stops until the correction arrives. */
export function requestCorrection(deps: RequestDeps, principal: Principal, id: string, input: { items: string; dueOn: string }) {
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    const asked = doc.events.find((e) => e.type === 'correction-requested');
    if (asked) {
      if (clock.state === 'awaiting-correction' && asked.type === 'correction-requested' && asked.items === input.items && asked.dueOn === input.dueOn) return null;
      throw conflict('a correction was already asked for: 第三十条 asks for it once, all at once (answer 补正后申请内容仍不明确 if it is still unclear)');
    }
    if (clock.state !== 'in-progress') throw conflict(`a correction can be asked for while the request is in progress, not ${clock.state}`);
    if (today > clock.correctionAskBy!) {
      throw conflict(`第三十条: a correction must be asked for within ${CORRECTION_REQUEST_WORKING_DAYS} working days of receipt, by ${clock.correctionAskBy}`);
    }
    if (input.dueOn <= today) throw new ValidationError('deadline not after today', [{ path: 'dueOn', message: 'give the requester a reasonable time to correct' }]);
    return { event: { type: 'correction-requested', on: today, items: input.items, dueOn: input.dueOn, at, by } };
  });
}

/** The corrected request arrived: the 20 working days run again from today (第三十条). */
export function recordCorrection(deps: RequestDeps, principal: Principal, id: string, input: { on?: string; description?: string; note?: string }) {
  const keys = input.description ? requireKeys(deps) : undefined;
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    if (clock.state !== 'awaiting-correction') {
      if (doc.events.at(-1)?.type === 'corrected') return null;
      throw conflict('no correction is awaited');
    }
    const on = input.on ?? today;
    if (on > today) throw new ValidationError('in the future', [{ path: 'on', message: 'cannot be after today' }]);
    const asked = doc.events.findLast((e) => e.type === 'correction-requested')!;
    if (on < asked.on) throw new ValidationError('before the request for it', [{ path: 'on', message: `cannot be before ${asked.on}` }]);
    return {
      event: { type: 'corrected', on, at, by, ...(input.note ? { note: input.note } : {}) },
      ...(keys ? { set: { description: sealFor(keys, doc._id, 'description', input.description!) } } : {}),
    };
  });
}

/** 第三方或其他机关意见 (第三十二条, 第三十三条第三款): the time until the opinion comes back is not counted. */
export function startConsultation(deps: RequestDeps, principal: Principal, id: string, input: { party: 'third-party' | 'agency'; note?: string }) {
  return act(deps, principal, id, (_doc, clock, { today, at, by }) => {
    if (clock.state === 'consulting') return null;
    if (clock.state !== 'in-progress') throw conflict(`a consultation can start while the request is in progress, not ${clock.state}`);
    return { event: { type: 'consultation-started', on: today, party: input.party, at, by, ...(input.note ? { note: input.note } : {}) } };
  });
}

export function endConsultation(deps: RequestDeps, principal: Principal, id: string, input: { note?: string }) {
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    if (clock.state !== 'consulting') {
      if (doc.events.at(-1)?.type === 'consultation-ended') return null;
      throw conflict('no consultation is open');
    }
    return { event: { type: 'consultation-ended', on: today, at, by, ...(input.note ? { note: input.note } : {}) } };
  });
}

/** 延长答复期限 (第三十三条第二款): approved by the head of the 政府信息公开工作机构, at most 20 working days, before the deadline. */
export function extendRequest(deps: RequestDeps, principal: Principal, id: string, input: { days: number; approver: string; reason: string }) {
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    const earlier = doc.events.find((e) => e.type === 'extended');
    if (earlier) {
      if (earlier.type === 'extended' && earlier.days === input.days && earlier.approver === input.approver && earlier.reason === input.reason) return null;
      throw conflict('the answer was already extended once; 第三十三条 allows at most 20 working days in all');
    }
    if (clock.state !== 'in-progress' && clock.state !== 'consulting') throw conflict(`only a request in progress can be extended, not ${clock.state}`);
    if (clock.dueOn && today > clock.dueOn) throw conflict(`the deadline ${clock.dueOn} has passed; an extension must be decided before it`);
    return { event: { type: 'extended', on: today, days: input.days, approver: input.approver, reason: input.reason, at, by, note: input.reason } };
  });
}

/** The reply (第三十六条): its decision, legal basis and the notice the law requires; closes the request. */
export function replyToRequest(deps: RequestDeps, principal: Principal, id: string, input: ReplyInput) {
  const type = decisionType(input.decision)!;
  return act(deps, principal, id, (doc, clock, { today, at, by }) => {
    if (clock.state === 'decided') {
      if (doc.reply?.decision === input.decision && doc.reply.reason === input.reason && doc.reply.text === input.text) return null;
      throw conflict('the request was already answered');
    }
    if (clock.state === 'abandoned') throw conflict('the request was closed as abandoned (视为放弃申请)');
    if (clock.state === 'awaiting-receipt') throw conflict('confirm receipt first (第三十一条)');
    if (clock.state === 'awaiting-correction' && !(input.decision === 'not-processed')) throw conflict('a correction is awaited (第三十条)');
    const reason = type.reasons?.find((r) => r.code === input.reason);
    const reply: RequestReply = {
      decision: input.decision,
      ...(input.reason ? { reason: input.reason } : {}),
      text: input.text,
      ...(input.location ? { location: input.location } : {}),
      ...(input.url ? { url: input.url } : {}),
      ...(input.information ? { information: input.information } : {}),
      ...(input.attachments ? { attachments: input.attachments } : {}),
      ...(input.withheldReason ? { withheldReason: input.withheldReason } : {}),
      ...(input.responsibleAgency ? { responsibleAgency: input.responsibleAgency } : {}),
      basis: `《中华人民共和国政府信息公开条例》${reason ? reason.basis : type.basis}`,
      notice: reason ? `${type.notice}${reason.name}。` : type.notice,
      on: today,
      at,
    };
    return { event: { type: 'decided', on: today, decision: input.decision, ...(input.reason ? { reason: input.reason } : {}), at, by }, set: { reply } };
  });
}

/** 视为放弃申请 (第三十条): the correction deadline passed without a correction; the agency no longer processes it. */
export function abandonRequest(deps: RequestDeps, principal: Principal, id: string, input: { note?: string }) {
  return act(deps, principal, id, (_doc, clock, { today, at, by }) => {
    if (clock.state === 'abandoned') return null;
    if (clock.state !== 'awaiting-correction') throw conflict('only a request awaiting its correction can be closed as abandoned');
    if (today <= clock.correctionDueOn!) throw conflict(`the correction is due by ${clock.correctionDueOn}; it can be closed as abandoned after that day`);
    return { event: { type: 'abandoned', on: today, at, by, note: input.note ?? '申请人无正当理由逾期不补正，视为放弃申请，本机关不再处理该政府信息公开申请。' } };
  });
}
