import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { auditModel } from '../../core/audit.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { transitionTask } from '../../core/opinion/tasks.ts';
import { createServices } from '../../core/services.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { cst, hoursAfter, quietThenBurst, reaction } from '../opinion/opinion-fixtures.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('opinion-api');
const clock = { now: cst('2026-11-20T10:05') };
const { logger } = captureLogs();
const services = createServices(db, { readModel: testReadModel(), logger, now: () => clock.now, fanOutChannels: ['wechat-oa', 'weibo', 'webhook', 'rss'] });
const app = createApp({ logger, db, queue: { processing: true, takesJobs: true }, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL }).callback();
const http = () => request(app);

const HD = 'bj-haidian-zjw';
const hdPress = await agencyWithKey(db, HD, 'press');
const hdAdmin = await agencyWithKey(db, HD, 'admin');
const hdPublisher = await agencyWithKey(db, HD, 'publisher');
const cyPress = await agencyWithKey(db, 'bj-chaoyang-zjw', 'press');
const cyAdmin = await agencyWithKey(db, 'bj-chaoyang-zjw', 'admin');
type Key = typeof hdPress;

const draft = await http().post('/api/v1/disclosures').set(hdPublisher.auth).send(allocationResult());
const DISCLOSURE = draft.body.id as string;
const cyDraft = await http().post('/api/v1/disclosures').set((await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher')).auth).send(allocationResult());

const get = (key: Key | undefined, path: string) => (key ? http().get(path).set(key.auth) : http().get(path));
const post = (key: Key, path: string, body: Record<string, unknown> = {}) => http().post(path).set(key.auth).send(body);
const watch = () => runOpinionWatch({ db, readModel: services.readModel, now: () => clock.now, channels: services.disclosures.fanOutChannels });
const enc = encodeURIComponent;

describe('who may call', () => {
  it('answers 401 without a key and 403 for roles that are not press or admin', async () => {
    expect((await get(undefined, '/api/v1/opinion/alerts')).status).toBe(401);
    expect((await get(hdPublisher, '/api/v1/opinion/tasks')).status).toBe(403);
    expect((await post(hdPublisher, '/api/v1/opinion/tasks', { level: 'normal', owner: '宣传科' })).status).toBe(403);
    // Thresholds and escalations are the admins'.
    expect((await get(hdPress, '/api/v1/opinion/settings')).status).toBe(403);
    expect((await http().put('/api/v1/opinion/settings').set(hdPress.auth).send({ minVolume: 1 })).status).toBe(403);
    expect((await get(hdPress, '/api/v1/opinion/escalations')).status).toBe(403);
  });
});

describe('settings', () => {
  it('gives defaults, changes some values, and names a bad field', async () => {
    const initial = await get(hdAdmin, '/api/v1/opinion/settings');
    expect(initial.body).toMatchObject({ windowMinutes: 60, baselineWindows: 24, minVolume: 10, channelSilentDays: 14, replyHours: 48 });
    const bad = await http().put('/api/v1/opinion/settings').set(hdAdmin.auth).send({ minVolume: 0, windowMinutes: 45, colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(['colour', 'minVolume', 'windowMinutes']);
    expect((await http().put('/api/v1/opinion/settings').set(hdAdmin.auth).send({ $set: { minVolume: 1 } })).status).toBe(400);
    const put = await http().put('/api/v1/opinion/settings').set(hdAdmin.auth).send({ volumeZ: 4 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ volumeZ: 4, minVolume: 10 });
    expect((await get(hdAdmin, '/api/v1/opinion/settings')).body.volumeZ).toBe(4);
    expect((await get(cyAdmin, '/api/v1/opinion/settings')).body.volumeZ).toBe(3);
    expect(await auditModel(db).countDocuments({ action: 'opinion.settings.update', agencyCode: HD })).toBe(1);
  });
});

describe('alerts and tasks', () => {
  let diskAlert: string;
  let agencyAlert: string;

  it('lists the alerts a burst opened to the agency’s press officers only', async () => {
    await quietThenBurst(db, HD, cst('2026-11-20T09:00'), { disclosureId: DISCLOSURE });
    await Promise.all([watch(), watch()]);
    const res = await get(hdPress, '/api/v1/opinion/alerts?status=open');
    expect(res.status).toBe(200);
    expect(res.body.items.map((a: { scope: string }) => a.scope).sort()).toEqual(['agency', 'disclosure']);
    diskAlert = res.body.items.find((a: { scope: string }) => a.scope === 'disclosure')._id;
    agencyAlert = res.body.items.find((a: { scope: string }) => a.scope === 'agency')._id;
    expect(res.body.items[0].reason).toContain('近1小时负面占比 73%');
    expect((await get(cyPress, '/api/v1/opinion/alerts')).body.items).toEqual([]);
    expect((await get(hdPress, '/api/v1/opinion/alerts?status=closed')).status).toBe(400);
  });

  it('turns an alert into one task and walks it to closed, 409 naming the state on an illegal step', async () => {
    expect((await post(cyPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/task`, { level: 'major', owner: '王芳' })).status).toBe(404);
    const bad = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/task`, { level: 'urgent' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(['level', 'owner']);

    const created = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/task`, { level: 'major', owner: '新闻发言人 王芳' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ _id: `alert:${diskAlert}`, disclosureId: DISCLOSURE, status: 'open', dueAt: hoursAfter(clock.now, 5).toISOString() });
    // `id` as every other resource has it; `_id` kept beside it for one release.
    expect(created.body.id).toBe(`alert:${diskAlert}`);
    const alerts = (await get(hdPress, '/api/v1/opinion/alerts')).body.items as { id: string; _id: string }[];
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expect(alert.id).toBe(alert._id);
    const tasks = (await get(hdPress, '/api/v1/opinion/tasks')).body.items as { id: string; _id: string }[];
    expect(tasks.map((t) => [t.id, t._id])).toEqual([[created.body._id, created.body._id]]);
    const retried = await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/task`, { level: 'major', owner: '新闻发言人 王芳' });
    expect([retried.status, retried.body._id]).toEqual([200, created.body._id]);
    expect((await get(hdPress, '/api/v1/opinion/alerts?status=tasked')).body.items.map((a: { _id: string }) => a._id)).toEqual([diskAlert]);

    const taskPath = `/api/v1/opinion/tasks/${enc(created.body._id)}`;
    expect((await post(cyPress, `${taskPath}/acknowledge`)).status).toBe(404);
    const acked = await post(hdPress, `${taskPath}/acknowledge`, { note: '已接收' });
    expect([acked.status, acked.body.status]).toEqual([200, 'acknowledged']);
    const early = await post(hdPress, `${taskPath}/close`);
    expect(early.status).toBe(409);
    expect(early.body.error.message).toBe('the task is acknowledged: close is possible only when it is responded');
    await transitionTask(db, { taskId: created.body._id, agencyCode: HD, by: 'k', action: 'respond', response: { text: '权威发布：摇号全程公证。' } }, clock.now);
    const closed = await post(hdAdmin, `${taskPath}/close`, { note: '发布会已召开' });
    expect([closed.status, closed.body.status]).toEqual([200, 'closed']);
    expect((await get(hdPress, '/api/v1/opinion/tasks?status=closed')).body.items.map((t: { _id: string }) => t._id)).toEqual([created.body._id]);
  });

  it('dismisses an alert, after which it cannot become a task', async () => {
    const dismissed = await post(hdPress, `/api/v1/opinion/alerts/${enc(agencyAlert)}/dismiss`, { note: '正常讨论' });
    expect([dismissed.status, dismissed.body.status]).toEqual([200, 'dismissed']);
    const task = await post(hdPress, `/api/v1/opinion/alerts/${enc(agencyAlert)}/task`, { level: 'normal', owner: '宣传科' });
    expect(task.status).toBe(409);
    expect((await post(hdPress, `/api/v1/opinion/alerts/${enc(diskAlert)}/dismiss`)).status).toBe(409);
  });

  it('opens a task without an alert only on the agency’s own disclosure', async () => {
    expect((await post(hdPress, '/api/v1/opinion/tasks', { level: 'normal', owner: '宣传科', disclosureId: cyDraft.body.id })).status).toBe(403);
    expect((await post(hdPress, '/api/v1/opinion/tasks', { level: 'normal', owner: '宣传科', disclosureId: 'nope' })).body.error.fields[0].path).toBe('disclosureId');
    const created = await post(hdPress, '/api/v1/opinion/tasks', { level: 'normal', owner: '宣传科', disclosureId: DISCLOSURE });
    expect(created.status).toBe(201);
    expect(created.body.dueAt).toBe(hoursAfter(clock.now, 48).toISOString());
  });
});

describe('escalations, the annual report and the watchdog', () => {
  it('escalates a task past its clock once and shows it to the agency’s admins and in the annual report', async () => {
    clock.now = hoursAfter(clock.now, 49);
    await Promise.all([watch(), watch()]);
    const res = await get(hdAdmin, '/api/v1/opinion/escalations');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].reason).toBe('一般舆情未在时限内回应：应于 2026-11-22 10:05 前首次回应');
    expect(res.body.items[0].task.events.filter((e: { action: string }) => e.action === 'escalate')).toHaveLength(1);
    expect((await get(cyAdmin, '/api/v1/opinion/escalations')).body.items).toEqual([]);
    const report = await get(hdAdmin, '/api/v1/reports/annual?year=2026');
    expect(report.body.opinion).toEqual([
      { agencyCode: HD, opinionTasks: 2, opinionTasksResponded: 1, opinionTasksOverdue: 1, opinionTasksEscalated: 1 },
    ]);
    expect(await responseTaskCollection(db).countDocuments({ escalatedAt: { $exists: true } })).toBe(1);
  });

  it('flags silent channels and unanswered follower messages, which a press officer can mark answered', async () => {
    const message = reaction(HD, hoursAfter(clock.now, -50), { source: 'wechat-oa', text: '请问第三批什么时候选房？' });
    const cyMessage = reaction('bj-chaoyang-zjw', hoursAfter(clock.now, -50), { source: 'wechat-oa' });
    await reactionCollection(db).insertMany([message, cyMessage]);
    const report = await get(hdPress, '/api/v1/opinion/watchdog');
    expect(report.status).toBe(200);
    expect(report.body.channels.map((c: { channel: string; flagged: boolean }) => [c.channel, c.flagged])).toEqual([
      ['wechat-oa', true],
      ['weibo', true],
      ['webhook', true],
    ]);
    expect(report.body.unanswered.map((m: { reactionId: string }) => m.reactionId)).toEqual([message._id]);
    expect((await post(cyPress, `/api/v1/opinion/reactions/${enc(message._id)}/answered`)).status).toBe(404);
    const marked = await post(hdPress, `/api/v1/opinion/reactions/${enc(message._id)}/answered`, { note: '已在公众号后台回复' });
    expect(marked.status).toBe(200);
    expect((await get(hdPress, '/api/v1/opinion/watchdog')).body.unanswered).toEqual([]);
  });
});
