import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import { recordAudit, type AuditActor } from '../audit.ts';
import { claimId } from '../store/claims.ts';
import { serverTraits } from '../store/server-traits.ts';
import { versionedWrite, VersionConflict, type VersionClaim } from '../store/versioned.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../errors.ts';
import { disclosureCollection } from '../models/disclosure.model.ts';
import { opinionAlertCollection } from '../models/opinion-alert.model.ts';
import { alertOf } from './records.ts';
import {
  responseTaskCollection,
  type ResponseTaskRecord,
  type TaskEvent,
  type TaskLevel,
  type TaskStatus,
} from '../models/response-task.model.ts';

const HOUR_MS = 3_600_000;
/** 国办发〔2016〕61号: major incidents within 5 h (authoritative information) and 24 h (press conference); others within 48 h. */
export const RESPONSE_CLOCKS = { majorFirstResponseHours: 5, majorConferenceHours: 24, normalResponseHours: 48 } as const;

export interface OpenTaskInput {
  alertId?: string;
  agencyCode: string;
  disclosureId?: string;
  level: TaskLevel;
  owner: string;
  by: string;
}

export interface TransitionInput {
  taskId: string;
  agencyCode: string;
  by: string;
  action: 'acknowledge' | 'respond' | 'close' | 'dismiss';
  note?: string;
  response?: { text: string; weiboCommentId?: string; disclosureId?: string };
}

/** Opens a response task; from an alert, at most one task per alert (a retry returns the first). */
export async function openTask(db: Connection, input: OpenTaskInput, now = new Date()): Promise<ResponseTaskRecord> {
  return (await openTaskOnce(db, input, now)).task;
}

/** As openTask, saying whether this call created the task. */
export async function openTaskOnce(db: Connection, input: OpenTaskInput, now = new Date()): Promise<{ task: ResponseTaskRecord; created: boolean }> {
  let disclosureId = input.disclosureId;
  if (input.alertId) {
    const alert = await alertOf(db, input.agencyCode, input.alertId);
    if (alert.status === 'dismissed') throw new ConflictError('the alert was dismissed; open a task without it instead', [{ path: 'status', message: 'dismissed' }]);
    disclosureId = alert.disclosureId ?? disclosureId;
  } else if (disclosureId) {
    await requireOwnDisclosure(db, input.agencyCode, disclosureId);
  }
  const major = input.level === 'major';
  const task: ResponseTaskRecord = {
    _id: input.alertId ? `alert:${input.alertId}` : `task:${randomUUID()}`,
    ...(input.alertId ? { alertId: input.alertId } : {}),
    agencyCode: input.agencyCode,
    ...(disclosureId ? { disclosureId } : {}),
    level: input.level,
    owner: input.owner,
    status: 'open',
    openedAt: now,
    dueAt: new Date(now.getTime() + (major ? RESPONSE_CLOCKS.majorFirstResponseHours : RESPONSE_CLOCKS.normalResponseHours) * HOUR_MS),
    ...(major ? { conferenceDueAt: new Date(now.getTime() + RESPONSE_CLOCKS.majorConferenceHours * HOUR_MS) } : {}),
    events: [{ action: 'open', at: now, by: input.by }],
    version: 1,
  };
  const created = await claimId(responseTaskCollection(db), task);
  const stored = created ? task : await responseTaskCollection(db).findOne({ _id: task._id });
  if (!stored) throw new ConflictError('the task is being opened by another request; try again');
  if (input.alertId) {
    // Repeated by every retry, so a crash between the two writes is repaired by the next call.
    await opinionAlertCollection(db).updateOne({ _id: input.alertId, status: 'open' }, { $set: { status: 'tasked', taskId: stored._id } });
  }
  if (created) await audit(db, stored, stored.events[0]!, 1);
  return { task: stored, created };
}

const TARGET: Record<TransitionInput['action'], TaskStatus> = { acknowledge: 'acknowledged', respond: 'responded', close: 'closed', dismiss: 'dismissed' };
const ALLOWED_FROM: Record<TransitionInput['action'], TaskStatus[]> = {
  acknowledge: ['open'],
  // Answering in time matters more than the acknowledgement before it.
  respond: ['open', 'acknowledged'],
  close: ['responded'],
  // Only while unanswered: an answered task is closed instead. It stays in the annual figures as not responded.
  dismiss: ['open', 'acknowledged'],
};

/**
 * Moves a task one step (open → acknowledged → responded → closed; open or acknowledged → dismissed). Another agency's task is
 * 404; a step not allowed from the current state is 409 naming it; repeating the step that
 * was just made (a retried request, the same response) returns the task unchanged.
 */
export async function transitionTask(db: Connection, input: TransitionInput, now = new Date()): Promise<ResponseTaskRecord> {
  const { task } = await writeTask(db, input.taskId, input.agencyCode, now, (doc) => {
    const target = TARGET[input.action];
    if (doc.status === target && (input.action !== 'respond' || doc.response?.text === input.response?.text)) return null;
    if (!ALLOWED_FROM[input.action].includes(doc.status)) {
      throw new ConflictError(`the task is ${doc.status}: ${input.action} is possible only when it is ${ALLOWED_FROM[input.action].join(' or ')}`, [
        { path: 'status', message: doc.status },
      ]);
    }
    const set: Partial<ResponseTaskRecord> = { status: target };
    if (input.action === 'acknowledge' || (input.action !== 'dismiss' && !doc.acknowledgedAt)) set.acknowledgedAt = now;
    if (input.action === 'respond') {
      set.respondedAt = now;
      set.response = { ...(input.response ?? { text: input.note ?? '' }) };
    }
    if (input.action === 'close') set.closedAt = now;
    if (input.action === 'dismiss') set.dismissedAt = now;
    return { set, event: { action: input.action, at: now, by: input.by, ...(input.note ? { note: input.note } : {}) } };
  });
  return task;
}

/** Why a task is overdue now, in words for the agency's admins, or null when its clocks are kept. */
export function overdueReason(task: ResponseTaskRecord, now: Date): string | null {
  const unanswered = task.status === 'open' || task.status === 'acknowledged';
  if (unanswered && task.dueAt <= now) {
    return `${task.level === 'major' ? '重大舆情' : '一般舆情'}未在时限内回应：应于 ${chinaTime(task.dueAt)} 前首次回应`;
  }
  // Closing a major task records that the press conference was held.
  if (task.level === 'major' && task.status !== 'closed' && task.status !== 'dismissed' && task.conferenceDueAt && task.conferenceDueAt <= now) {
    return `重大舆情未在时限内召开新闻发布会：应于 ${chinaTime(task.conferenceDueAt)} 前召开`;
  }
  return null;
}

/**
 * Escalates every overdue task not escalated yet, once each: the write is guarded by the
 * task's version claim, so concurrent runs (several workers) make one escalate event and one
 * audit entry per task. Returns the tasks this call escalated.
 */
export async function escalateOverdueTasks(db: Connection, now: Date, agencyCode?: string): Promise<ResponseTaskRecord[]> {
  const candidates = await responseTaskCollection(db)
    .find({ ...(agencyCode ? { agencyCode } : {}), status: { $in: ['open', 'acknowledged', 'responded'] }, escalatedAt: { $exists: false } })
    .toArray();
  const escalated: ResponseTaskRecord[] = [];
  for (const candidate of candidates.filter((t) => overdueReason(t, now))) {
    const { task, changed } = await writeTask(db, candidate._id, candidate.agencyCode, now, (doc) => {
      const reason = doc.escalatedAt ? null : overdueReason(doc, now);
      return reason ? { set: { escalatedAt: now }, event: { action: 'escalate', at: now, by: 'system', note: reason } } : null;
    });
    if (changed) escalated.push(task);
  }
  return escalated;
}

export async function listTasks(db: Connection, agencyCode: string, status?: TaskStatus): Promise<ResponseTaskRecord[]> {
  return responseTaskCollection(db)
    .find({ agencyCode, ...(status ? { status } : {}) })
    .sort({ dueAt: 1, _id: 1 })
    .limit(500)
    .toArray();
}

/** The agency's escalated tasks, newest first, each with why it was escalated. */
export async function listEscalations(db: Connection, agencyCode: string) {
  const tasks = await responseTaskCollection(db).find({ agencyCode, escalatedAt: { $exists: true } }).sort({ escalatedAt: -1 }).limit(500).toArray();
  return tasks.map((task) => ({ task, reason: task.events.find((e) => e.action === 'escalate')?.note ?? '' }));
}

type Plan = { set: Partial<ResponseTaskRecord>; event: TaskEvent } | null;
const versionClaims = (db: Connection) => db.collection('response_task_versions') as unknown as Collection<VersionClaim>;

/**
 * One versioned write of a task (core/store/versioned.ts): read by id, plan, claim the next
 * version, write. Another agency's task is as absent as a missing one. A null plan leaves it as is.
 */
async function writeTask(
  db: Connection,
  taskId: string,
  agencyCode: string,
  now: Date,
  plan: (doc: ResponseTaskRecord) => Plan,
): Promise<{ task: ResponseTaskRecord; changed: boolean }> {
  let event: TaskEvent | undefined;
  const { lookupsByIdOnly } = await serverTraits(db.db!);
  const result = await versionedWrite<ResponseTaskRecord>({
    docs: responseTaskCollection(db),
    claims: versionClaims(db),
    filter: { _id: taskId },
    key: taskId,
    by: 'task',
    now: () => now,
    lookupsByIdOnly,
    plan: (doc) => {
      if (doc.agencyCode !== agencyCode) throw new NotFoundError(`no task ${taskId}`);
      const planned = plan(doc);
      if (!planned) return null;
      event = planned.event;
      return { set: planned.set, push: { events: planned.event } };
    },
  }).catch((error: unknown) => {
    if (error instanceof VersionConflict) throw new ConflictError('the task is being changed by another request; try again');
    throw error;
  });
  if (!result) throw new NotFoundError(`no task ${taskId}`);
  if (result.changed) await audit(db, result.doc, event!, result.doc.version);
  return { task: result.doc, changed: result.changed };
}

function audit(db: Connection, task: ResponseTaskRecord, event: TaskEvent, version: number): Promise<void> {
  const actor: AuditActor = event.by === 'system' ? { kind: 'job' } : { kind: 'key', keyId: event.by, agencyCode: task.agencyCode };
  return recordAudit(db, {
    id: `opinion-task:${task._id}:${version}`,
    action: `opinion.task.${event.action}`,
    actor,
    agencyCode: task.agencyCode,
    subject: task._id,
    detail: { status: task.status, level: task.level, ...(event.note ? { note: event.note } : {}) },
    at: event.at,
  });
}

async function requireOwnDisclosure(db: Connection, agencyCode: string, id: string): Promise<void> {
  const doc = Types.ObjectId.isValid(id) && id.length === 24 ? await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) }, { projection: { agencyCode: 1 } }) : null;
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
}

/** `2026-11-20 14:00` in China Standard Time. */
export function chinaTime(date: Date): string {
  return new Date(date.getTime() + 8 * HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
}
