import { describe, expect, it } from 'vitest';
import { auditModel } from '../../core/audit.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { annualOpinionFigures } from '../../core/disclosures/annual-report.ts';
import { opinionAlertCollection, type OpinionAlertRecord } from '../../core/models/opinion-alert.model.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { escalateOverdueTasks, listEscalations, openTask, openTaskOnce, transitionTask } from '../../core/opinion/tasks.ts';
import { connectTestDb } from '../helpers/db.ts';
import { cst, hoursAfter } from './opinion-fixtures.ts';

const db = await connectTestDb('opinion-tasks');
const HD = 'bj-haidian-zjw';
const CY = 'bj-chaoyang-zjw';
for (const code of [HD, CY]) await createAgency(db, { code, name: `${code} 住房和城乡建设委员会` });
const T0 = cst('2026-11-20T10:00');

async function alert(id: string, agencyCode = HD): Promise<OpinionAlertRecord> {
  const doc: OpinionAlertRecord = {
    _id: `agency:${agencyCode}:${id}`,
    scope: 'agency',
    agencyCode,
    windowStart: hoursAfter(T0, -1),
    windowEnd: T0,
    volume: 30,
    negativeShare: 0.7,
    baseline: { volume: 2, negativeShare: 0.1, windows: 24 },
    reason: '近1小时负面占比 70%（21/30 条），基线 10%',
    status: 'open',
    openedAt: T0,
  };
  await opinionAlertCollection(db).insertOne(doc);
  return doc;
}
const events = async (taskId: string) => (await responseTaskCollection(db).findOne({ _id: taskId }))!.events.map((e) => e.action);
const audits = (subject: string) => auditModel(db).find({ subject }).sort({ at: 1, action: 1 }).lean();

describe('opening tasks', () => {
  it('opens one task per alert, even when asked twice at once, and marks the alert tasked', async () => {
    const a = await alert('2026-11-20T01:00:00.000Z');
    const input = { alertId: a._id, agencyCode: HD, level: 'major' as const, owner: '新闻发言人 王芳', by: 'k-press' };
    const results = await Promise.all([openTaskOnce(db, input, T0), openTaskOnce(db, input, T0), openTaskOnce(db, input, T0)]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.task._id))).toEqual(new Set([`alert:${a._id}`]));
    expect(await responseTaskCollection(db).countDocuments({ alertId: a._id })).toBe(1);
    expect(await opinionAlertCollection(db).findOne({ _id: a._id })).toMatchObject({ status: 'tasked', taskId: `alert:${a._id}` });
    expect(results[0]!.task).toMatchObject({
      agencyCode: HD,
      level: 'major',
      status: 'open',
      openedAt: T0,
      dueAt: hoursAfter(T0, 5),
      conferenceDueAt: hoursAfter(T0, 24),
      version: 1,
    });
  });

  it('gives a normal task 48 hours and no press conference', async () => {
    const task = await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k-press' }, T0);
    expect(task._id).toMatch(/^task:/);
    expect(task.dueAt).toEqual(hoursAfter(T0, 48));
    expect(task.conferenceDueAt).toBeUndefined();
  });

  it('refuses another agency’s alert (404), a dismissed alert (409) and another agency’s disclosure', async () => {
    const other = await alert('2026-11-20T02:00:00.000Z', CY);
    await expect(openTask(db, { alertId: other._id, agencyCode: HD, level: 'normal', owner: 'x', by: 'k' }, T0)).rejects.toMatchObject({ status: 404 });
    const dismissed = await alert('2026-11-20T03:00:00.000Z');
    await opinionAlertCollection(db).updateOne({ _id: dismissed._id }, { $set: { status: 'dismissed' } });
    await expect(openTask(db, { alertId: dismissed._id, agencyCode: HD, level: 'normal', owner: 'x', by: 'k' }, T0)).rejects.toMatchObject({ status: 409 });
    await expect(openTask(db, { agencyCode: HD, disclosureId: '6650a1b2c3d4e5f601234567', level: 'normal', owner: 'x', by: 'k' }, T0)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('transitionTask', () => {
  it('walks open → acknowledged → responded → closed, with events and audit entries', async () => {
    const a = await alert('2026-11-20T04:00:00.000Z');
    const task = await openTask(db, { alertId: a._id, agencyCode: HD, level: 'major', owner: '王芳', by: 'k-press' }, T0);
    const base = { taskId: task._id, agencyCode: HD, by: 'k-press' };
    const acked = await transitionTask(db, { ...base, action: 'acknowledge' }, hoursAfter(T0, 0.5));
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedAt: hoursAfter(T0, 0.5), version: 2 });
    const response = { text: '经核查，摇号过程全程公证，结果已公示。', weiboCommentId: '4990000000000001' };
    const responded = await transitionTask(db, { ...base, action: 'respond', response }, hoursAfter(T0, 3));
    expect(responded).toMatchObject({ status: 'responded', respondedAt: hoursAfter(T0, 3), response, version: 3 });
    // A retried respond with the same text changes nothing; another text is a second response, refused.
    expect((await transitionTask(db, { ...base, action: 'respond', response }, hoursAfter(T0, 3.1))).version).toBe(3);
    await expect(transitionTask(db, { ...base, action: 'respond', response: { text: '另一条' } }, hoursAfter(T0, 3.2))).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('the task is responded'),
    });
    const closed = await transitionTask(db, { ...base, action: 'close', note: '已于11月21日召开新闻发布会' }, hoursAfter(T0, 20));
    expect(closed).toMatchObject({ status: 'closed', closedAt: hoursAfter(T0, 20), version: 4 });
    expect(await events(task._id)).toEqual(['open', 'acknowledge', 'respond', 'close']);
    expect((await audits(task._id)).map((e) => e.action)).toEqual([
      'opinion.task.open',
      'opinion.task.acknowledge',
      'opinion.task.respond',
      'opinion.task.close',
    ]);
  });

  it('answers 409 naming the current state for an illegal step, and 404 for another agency', async () => {
    const task = await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k' }, T0);
    const base = { taskId: task._id, agencyCode: HD, by: 'k' };
    await expect(transitionTask(db, { ...base, action: 'close' }, T0)).rejects.toMatchObject({
      status: 409,
      message: 'the task is open: close is possible only when it is responded',
      fields: [{ path: 'status', message: 'open' }],
    });
    await expect(transitionTask(db, { ...base, agencyCode: CY, action: 'acknowledge' }, T0)).rejects.toMatchObject({ status: 404 });
    await expect(transitionTask(db, { ...base, taskId: 'task:nope', action: 'acknowledge' }, T0)).rejects.toMatchObject({ status: 404 });
    // Respond straight from open is allowed: answering in time matters more.
    const responded = await transitionTask(db, { ...base, action: 'respond', response: { text: '已回应' } }, hoursAfter(T0, 1));
    expect(responded.acknowledgedAt).toEqual(hoursAfter(T0, 1));
    await expect(transitionTask(db, { ...base, action: 'acknowledge' }, T0)).rejects.toMatchObject({ status: 409, message: expect.stringContaining('the task is responded') });
  });

  it('applies concurrent acknowledgements once', async () => {
    const task = await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k' }, T0);
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => transitionTask(db, { taskId: task._id, agencyCode: HD, by: `k${i}`, action: 'acknowledge' }, hoursAfter(T0, 1))),
    );
    expect(results.every((r) => r.status === 'acknowledged')).toBe(true);
    expect(await events(task._id)).toEqual(['open', 'acknowledge']);
    expect((await responseTaskCollection(db).findOne({ _id: task._id }))!.version).toBe(2);
  });

  it('takes over a version claim left by a process that died before its write', async () => {
    const task = await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k' }, T0);
    await db.collection('response_task_versions').insertOne({ _id: `${task._id}:2` as never, at: T0, by: 'dead' });
    const acked = await transitionTask(db, { taskId: task._id, agencyCode: HD, by: 'k', action: 'acknowledge' }, hoursAfter(T0, 0.5));
    expect(acked).toMatchObject({ status: 'acknowledged', version: 2 });
  });
});

describe('escalation', () => {
  const E0 = cst('2026-12-01T09:00');

  it('escalates an overdue task once, however many runs at once, and leaves tasks on time alone', async () => {
    const late = await openTask(db, { agencyCode: CY, level: 'normal', owner: '宣传科', by: 'k' }, E0);
    const onTime = await openTask(db, { agencyCode: CY, level: 'normal', owner: '宣传科', by: 'k' }, E0);
    await transitionTask(db, { taskId: onTime._id, agencyCode: CY, by: 'k', action: 'respond', response: { text: '已回应' } }, hoursAfter(E0, 47));
    const noConference = await openTask(db, { agencyCode: CY, level: 'major', owner: '王芳', by: 'k' }, E0);
    await transitionTask(db, { taskId: noConference._id, agencyCode: CY, by: 'k', action: 'respond', response: { text: '权威发布' } }, hoursAfter(E0, 4));

    expect(await escalateOverdueTasks(db, hoursAfter(E0, 23.9), CY)).toEqual([]);
    const now = hoursAfter(E0, 49);
    const runs = await Promise.all([1, 2, 3].map(() => escalateOverdueTasks(db, now, CY)));
    expect(runs.flat().map((t) => t._id).sort()).toEqual([late._id, noConference._id].sort());
    expect(await escalateOverdueTasks(db, hoursAfter(now, 1), CY)).toEqual([]);

    expect(await events(late._id)).toEqual(['open', 'escalate']);
    expect(await events(noConference._id)).toEqual(['open', 'respond', 'escalate']);
    expect(await events(onTime._id)).toEqual(['open', 'respond']);
    const audit = await audits(late._id);
    expect(audit.filter((e) => e.action === 'opinion.task.escalate')).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ kind: 'job' }), agencyCode: CY, at: now }),
    ]);

    const escalations = await listEscalations(db, CY);
    expect(escalations.map((e) => [e.task._id, e.reason]).sort()).toEqual(
      [
        [late._id, '一般舆情未在时限内回应：应于 2026-12-03 09:00 前首次回应'],
        [noConference._id, '重大舆情未在时限内召开新闻发布会：应于 2026-12-02 09:00 前召开'],
      ].sort(),
    );
    expect(await listEscalations(db, HD)).toEqual([]);
  });

  it('counts tasks, late answers and escalations in the annual report figures', async () => {
    // 海淀: six tasks opened by the tests above on 2026-11-20 (two answered in time), and one answered late.
    const late = await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k' }, cst('2026-12-10T09:00'));
    await transitionTask(db, { taskId: late._id, agencyCode: HD, by: 'k', action: 'respond', response: { text: '迟到的回应' } }, cst('2026-12-13T09:00'));
    await openTask(db, { agencyCode: HD, level: 'normal', owner: '宣传科', by: 'k' }, cst('2027-01-02T09:00'));
    expect(await annualOpinionFigures(db, 2026)).toEqual([
      { agencyCode: CY, opinionTasks: 3, opinionTasksResponded: 2, opinionTasksOverdue: 2, opinionTasksEscalated: 2 },
      { agencyCode: HD, opinionTasks: 7, opinionTasksResponded: 3, opinionTasksOverdue: 1, opinionTasksEscalated: 0 },
    ]);
    expect(await annualOpinionFigures(db, 2027, HD)).toEqual([
      { agencyCode: HD, opinionTasks: 1, opinionTasksResponded: 0, opinionTasksOverdue: 0, opinionTasksEscalated: 0 },
    ]);
  });
});
