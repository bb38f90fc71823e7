import { z } from 'zod';
import { ALERT_STATUSES } from '../../core/models/opinion-alert.model.ts';
import { TASK_LEVELS, TASK_STATUSES } from '../../core/models/response-task.model.ts';
import { opinionSettings, opinionSettingsPatch, updateOpinionSettings } from '../../core/opinion/settings.ts';
import { dismissAlert, listAlerts } from '../../core/opinion/spikes.ts';
import { acknowledgeAlert } from '../../core/opinion/alert-acknowledge.ts';
import { alertOf, taskOf } from '../../core/opinion/records.ts';
import { listEscalations, listTasks, openTaskOnce, transitionTask } from '../../core/opinion/tasks.ts';
import { markAnswered, watchdog } from '../../core/opinion/watchdog.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';
import { withId } from './record-id.ts';

const recordId = (what: string) =>
  z.object({ id: z.string().regex(/^[A-Za-z0-9:._-]{1,200}$/, { error: `must be ${what} id` }) });
const reactionParam = z.object({ id: z.string().min(3).max(300).describe('反应 id（来源:外部 id）') });
const note = z.string().trim().min(1).max(500).optional().describe('备注');
const noteBody = z.object({ note }).strict();
const level = z.enum(TASK_LEVELS).describe('major：重大舆情（5小时回应、24小时发布会）；normal：一般舆情（48小时回应）');
const owner = z.string().trim().min(1).max(64).describe('负责的新闻发言人或岗位');
const taskBody = z
  .object({ level, owner, disclosureId: z.string().regex(/^[0-9a-f]{24}$/, { error: 'must be a disclosure id (24 hex digits)' }).optional() })
  .strict();

/** The public-opinion desk: alerts, response tasks and their clocks, escalations, the watchdog. */
export function opinionRoutes({ disclosures, readModel }: Services) {
  const { db } = disclosures;
  const now = () => disclosures.now();
  return [
    route({
      method: 'get',
      path: '/api/v1/opinion/settings',
      summary: 'The agency’s spike thresholds and watchdog limits (defaults filled in)',
      tag: 'opinion',
      auth: ['admin'],
      responses: { 200: 'the settings' },
      handler: async (ctx, { principal }) => {
        ctx.body = await opinionSettings(db, principalOf({ principal }).agencyCode);
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/opinion/settings',
      summary: 'Change some of the agency’s thresholds; the others keep their values',
      tag: 'opinion',
      auth: ['admin'],
      body: opinionSettingsPatch,
      responses: { 200: 'the settings now in force', 400: 'a value out of range, named' },
      handler: async (ctx, { body, principal }) => {
        ctx.body = await updateOpinionSettings(db, principalOf({ principal }), body, now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/alerts',
      summary: 'The agency’s spike alerts, newest first',
      tag: 'opinion',
      auth: ['press', 'admin'],
      query: z.object({ status: z.enum(ALERT_STATUSES).optional().describe('open, tasked or dismissed') }).strict(),
      responses: { 200: '{ items }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = { items: (await listAlerts(db, principalOf({ principal }).agencyCode, query.status)).map(withId) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/alerts/:id',
      summary: 'One alert of the agency, with its figures and who acknowledged it',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('an alert'),
      responses: { 200: 'the alert', 404: 'no such alert of this agency' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = withId(await alertOf(db, principalOf({ principal }).agencyCode, params.id));
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/opinion/alerts/:id/acknowledge',
      summary: 'Say an alert is being looked into (确认预警); it stays open until a task is opened or it is dismissed; repeating it keeps the first',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('an alert'),
      body: noteBody,
      responses: { 200: 'the alert with acknowledgedBy and acknowledgedAt', 404: 'no such alert of this agency', 409: 'the alert was dismissed' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        ctx.body = withId(await acknowledgeAlert(db, { alertId: params.id, agencyCode: who.agencyCode, by: who.keyId, note: body.note }, now()));
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/opinion/alerts/:id/dismiss',
      summary: 'Dismiss an alert that needs no response',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('an alert'),
      body: noteBody,
      responses: { 200: 'the alert', 404: 'no such alert of this agency', 409: 'the alert already has a task' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        ctx.body = withId(await dismissAlert(db, { alertId: params.id, agencyCode: who.agencyCode, by: who.keyId, note: body.note }, now()));
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/opinion/alerts/:id/task',
      summary: 'Open the response task of an alert (one per alert; a retry returns it)',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('an alert'),
      body: z.object({ level, owner }).strict(),
      responses: { 201: 'the task', 200: 'the alert’s existing task', 404: 'no such alert of this agency', 409: 'the alert was dismissed' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        const { task, created } = await openTaskOnce(db, { alertId: params.id, agencyCode: who.agencyCode, by: who.keyId, ...body }, now());
        ctx.status = created ? 201 : 200;
        ctx.body = withId(task);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/opinion/tasks',
      summary: 'Open a response task without an alert (e.g. a journalist’s call)',
      tag: 'opinion',
      auth: ['press', 'admin'],
      body: taskBody,
      responses: { 201: 'the task', 403: 'the disclosure belongs to another agency', 404: 'no such disclosure' },
      handler: async (ctx, { body, principal }) => {
        const who = principalOf({ principal });
        const { task } = await openTaskOnce(db, { agencyCode: who.agencyCode, by: who.keyId, ...body }, now());
        ctx.status = 201;
        ctx.body = withId(task);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/tasks',
      summary: 'The agency’s response tasks, the most urgent first',
      tag: 'opinion',
      auth: ['press', 'admin'],
      query: z.object({ status: z.enum(TASK_STATUSES).optional().describe('open, acknowledged, responded, closed or dismissed') }).strict(),
      responses: { 200: '{ items }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = { items: (await listTasks(db, principalOf({ principal }).agencyCode, query.status)).map(withId) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/tasks/:id',
      summary: 'One response task of the agency, with its clocks, response and events',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('a task'),
      responses: { 200: 'the task', 404: 'no such task of this agency' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = withId(await taskOf(db, principalOf({ principal }).agencyCode, params.id));
      },
    }),
    ...(['acknowledge', 'close'] as const).map((action) =>
      route({
        method: 'post',
        path: `/api/v1/opinion/tasks/:id/${action}`,
        summary: action === 'acknowledge' ? 'Acknowledge a task (确认接收)' : 'Close a responded task (for a major one: the press conference was held)',
        tag: 'opinion',
        auth: ['press', 'admin'],
        params: recordId('a task'),
        body: noteBody,
        responses: { 200: 'the task', 404: 'no such task of this agency', 409: 'not possible in the task’s current state (named)' },
        handler: async (ctx, { params, body, principal }) => {
          const who = principalOf({ principal });
          ctx.body = withId(await transitionTask(db, { taskId: params.id, agencyCode: who.agencyCode, by: who.keyId, action, note: body.note }, now()));
        },
      }),
    ),
    route({
      method: 'post',
      path: '/api/v1/opinion/tasks/:id/dismiss',
      summary: 'Withdraw an unanswered task with a reason (opened by mistake, a duplicate, not the agency’s matter); its clocks stop',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: recordId('a task'),
      body: z.object({ note: z.string().trim().min(1).max(500).describe('撤销理由（必填，记入处理记录与审计日志）') }).strict(),
      responses: { 200: 'the task', 400: 'no reason', 404: 'no such task of this agency', 409: 'the task was already answered, closed or dismissed (named)' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        ctx.body = withId(await transitionTask(db, { taskId: params.id, agencyCode: who.agencyCode, by: who.keyId, action: 'dismiss', note: body.note }, now()));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/escalations',
      summary: 'Tasks escalated because a response clock ran out, newest first, with why',
      tag: 'opinion',
      auth: ['admin'],
      responses: { 200: '{ items: [{ task, reason }] }' },
      handler: async (ctx, { principal }) => {
        ctx.body = { items: (await listEscalations(db, principalOf({ principal }).agencyCode)).map((e) => ({ ...e, task: withId(e.task) })) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/opinion/watchdog',
      summary: 'Channels silent too long and official-account messages waiting too long for an answer',
      tag: 'opinion',
      auth: ['press', 'admin'],
      responses: { 200: 'the watchdog report' },
      handler: async (ctx, { principal }) => {
        ctx.body = await watchdog(db, readModel, principalOf({ principal }).agencyCode, disclosures.fanOutChannels, now());
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/opinion/reactions/:id/answered',
      summary: 'Mark a follower message answered (e.g. replied in the official account console)',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: reactionParam,
      body: noteBody,
      responses: { 200: '{ reactionId, answeredAt, by }', 404: 'no such reaction of this agency' },
      handler: async (ctx, { params, body, principal }) => {
        const who = principalOf({ principal });
        ctx.body = await markAnswered(db, { reactionId: params.id, agencyCode: who.agencyCode, by: who.keyId, note: body.note }, now());
      },
    }),
  ];
}
