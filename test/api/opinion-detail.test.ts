import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { auditModel } from '../../core/audit.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { escalateOverdueTasks, openTask, transitionTask } from '../../core/opinion/tasks.ts';
import { createServices } from '../../core/services.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { cst, hoursAfter, quietThenBurst } from '../opinion/opinion-fixtures.ts';
import { testReadModel } from '../helpers/read-model.ts';

// The pieces the console needed beyond the list endpoints: one alert, acknowledging it, one task.
const db = await connectTestDb('opinion-detail');
const clock = { now: cst('2026-11-20T10:05') };
const { logger } = captureLogs();
const services = createServices(db, { readModel: testReadModel(), logger, now: () => clock.now });
const app = createApp({ logger, db, queue: { processing: true, takesJobs: true }, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL }).callback();
const http = () => request(app);

const HD = 'bj-haidian-zjw';
const hdPress = await agencyWithKey(db, HD, 'press');
const hdAdmin = await agencyWithKey(db, HD, 'admin');
const hdPublisher = await agencyWithKey(db, HD, 'publisher');
const cyPress = await agencyWithKey(db, 'bj-chaoyang-zjw', 'press');
type Key = typeof hdPress;
const DISCLOSURE = (await http().post('/api/v1/disclosures').set(hdPublisher.auth).send(allocationResult())).body.id as string;

const get = (key: Key | undefined, path: string) => (key ? http().get(path).set(key.auth) : http().get(path));
const post = (key: Key, path: string, body: Record<string, unknown> = {}) => http().post(path).set(key.auth).send(body);
const enc = encodeURIComponent;

await quietThenBurst(db, HD, cst('2026-11-20T09:00'), { disclosureId: DISCLOSURE });
await runOpinionWatch({ db, now: () => clock.now, channels: [] });
const opened = (await get(hdPress, '/api/v1/opinion/alerts?status=open')).body.items as { id: string; scope: string }[];
const diskAlert = opened.find((a) => a.scope === 'disclosure')!.id;
const agencyAlert = opened.find((a) => a.scope === 'agency')!.id;

describe('GET /api/v1/opinion/alerts/:id', () => {
  it('gives the agency’s alert with its figures, and 404 to another agency, 403 to a publisher, 401 without a key', async () => {
    const res = await get(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: diskAlert, _id: diskAlert, scope: 'disclosure', disclosureId: DISCLOSURE, status: 'open', volume: 30, reason: expect.stringContaining('负面占比') });
    expect((await get(cyPress, `/api/v1/opinion/alerts/${enc(diskAlert)}`)).status).toBe(404);
    expect((await get(hdPublisher, `/api/v1/opinion/alerts/${enc(diskAlert)}`)).status).toBe(403);
    expect((await get(undefined, `/api/v1/opinion/alerts/${enc(diskAlert)}`)).status).toBe(401);
    const bad = await get(hdPress, `/api/v1/opinion/alerts/${enc('no such/alert')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('id');
  });
});

describe('POST /api/v1/opinion/alerts/:id/acknowledge', () => {
  it('records who looked first, keeps the alert open, and repeats harmlessly with one audit entry', async () => {
    expect((await post(cyPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/acknowledge`)).status).toBe(404);
    expect((await post(hdPublisher, `/api/v1/opinion/alerts/${enc(diskAlert)}/acknowledge`)).status).toBe(403);
    const bad = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/acknowledge`, { note: '', by: 'me' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(['by', 'note']);

    const first = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/acknowledge`, { note: '正在核实' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: diskAlert, status: 'open', acknowledgedAt: clock.now.toISOString(), acknowledgeNote: '正在核实' });
    expect(first.body.acknowledgedBy).toMatch(/\S/);
    clock.now = hoursAfter(clock.now, 0.5);
    const again = await post(hdAdmin, `/api/v1/opinion/alerts/${enc(diskAlert)}/acknowledge`);
    expect(again.body).toEqual(first.body);
    expect(await auditModel(db).countDocuments({ action: 'opinion.alert.acknowledge', subject: diskAlert })).toBe(1);
    // Still open: it becomes a task (or is dismissed) as before.
    const task = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/task`, { level: 'major', owner: '新闻发言人' });
    expect(task.status).toBe(201);
  });

  it('refuses a dismissed alert with 409 naming its status', async () => {
    await post(hdPress, `/api/v1/opinion/alerts/${enc(agencyAlert)}/dismiss`, { note: '正常讨论' }).expect(200);
    const res = await post(hdPress, `/api/v1/opinion/alerts/${enc(agencyAlert)}/acknowledge`);
    expect(res.status).toBe(409);
    expect(res.body.error.fields).toEqual([{ path: 'status', message: 'dismissed' }]);
  });
});

describe('GET /api/v1/opinion/tasks/:id', () => {
  it('gives the task with its clocks and events to its agency only', async () => {
    const taskId = `alert:${diskAlert}`;
    const res = await get(hdPress, `/api/v1/opinion/tasks/${enc(taskId)}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: taskId, alertId: diskAlert, disclosureId: DISCLOSURE, level: 'major', status: 'open', events: [{ action: 'open' }] });
    expect(new Date(res.body.dueAt).getTime() - new Date(res.body.openedAt).getTime()).toBe(5 * 3_600_000);
    expect(res.body.conferenceDueAt).toBeDefined();
    expect((await get(cyPress, `/api/v1/opinion/tasks/${enc(taskId)}`)).status).toBe(404);
    expect((await get(hdPublisher, `/api/v1/opinion/tasks/${enc(taskId)}`)).status).toBe(403);
    expect((await get(hdPress, `/api/v1/opinion/tasks/${enc('task:missing')}`)).status).toBe(404);
  });
});

describe('POST /api/v1/opinion/tasks/:id/dismiss', () => {
  const open = (level: 'major' | 'normal' = 'major') => openTask(db, { agencyCode: HD, level, owner: '宣传科', by: 'test', disclosureId: DISCLOSURE }, clock.now);
  const dismiss = (key: Key, id: string, body: Record<string, unknown>) => post(key, `/api/v1/opinion/tasks/${enc(id)}/dismiss`, body);

  it('withdraws an unanswered task with its reason, once; its clocks stop and it is never escalated', async () => {
    const task = await open();
    const missing = await dismiss(hdPress, task._id, {});
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['note']);
    expect((await dismiss(hdPress, task._id, { note: '  ' })).status).toBe(400);
    expect((await dismiss(cyPress, task._id, { note: '越权' })).status).toBe(404);
    expect((await dismiss(hdPublisher, task._id, { note: '越权' })).status).toBe(403);

    const res = await dismiss(hdPress, task._id, { note: '与另一任务重复' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: task._id, status: 'dismissed', dismissedAt: clock.now.toISOString() });
    expect(res.body.acknowledgedAt).toBeUndefined();
    expect(res.body.events.at(-1)).toMatchObject({ action: 'dismiss', note: '与另一任务重复' });
    expect((await dismiss(hdAdmin, task._id, { note: '再撤一次' })).body).toEqual(res.body);
    expect(await auditModel(db).countDocuments({ action: 'opinion.task.dismiss', subject: task._id })).toBe(1);
    expect((await get(hdPress, '/api/v1/opinion/tasks?status=dismissed')).body.items.map((t: { id: string }) => t.id)).toEqual([task._id]);

    // Past both of a major task's clocks: nothing to escalate.
    expect((await escalateOverdueTasks(db, hoursAfter(clock.now, 25), HD)).map((t) => t._id)).not.toContain(task._id);
    expect((await responseTaskCollection(db).findOne({ _id: task._id }))?.escalatedAt).toBeUndefined();
    // Nor can it be answered any more.
    const answer = await post(hdPress, `/api/v1/opinion/tasks/${enc(task._id)}/respond`, { text: '已核实。', publishItem: true });
    expect(answer.status).toBe(409);
  });

  it('refuses an answered task (it is closed instead), naming its state', async () => {
    const task = await open('normal');
    await post(hdPress, `/api/v1/opinion/tasks/${enc(task._id)}/acknowledge`).expect(200);
    // Answered as the respond endpoint records it (its channels are tested in opinion-respond.test.ts).
    await transitionTask(db, { taskId: task._id, agencyCode: HD, by: 'k', action: 'respond', response: { text: '已核实，结果以公示为准。' } }, clock.now);
    const res = await dismiss(hdPress, task._id, { note: '已回应' });
    expect(res.status).toBe(409);
    expect(res.body.error.fields).toEqual([{ path: 'status', message: 'responded' }]);
  });
});

describe('the OpenAPI document', () => {
  it('documents the four operations with their keys or the console session', async () => {
    const doc = (await http().get('/openapi.json')).body as { paths: Record<string, Record<string, { summary: string; security?: unknown[]; responses: Record<string, unknown> }>> };
    for (const [method, path] of [['get', '/api/v1/opinion/alerts/{id}'], ['post', '/api/v1/opinion/alerts/{id}/acknowledge'], ['get', '/api/v1/opinion/tasks/{id}'], ['post', '/api/v1/opinion/tasks/{id}/dismiss']] as const) {
      const op = doc.paths[path]?.[method];
      expect(op?.summary, `${method} ${path}`).toMatch(/\S/);
      expect(op?.security).toEqual([{ apiKey: [] }, { staffSession: [] }]);
      expect(Object.keys(op?.responses ?? {})).toContain('404');
    }
  });
});
