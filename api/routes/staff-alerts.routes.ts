import { z } from 'zod';
import { listNotifications } from '../../core/staff-alerts/notify.ts';
import { staffAlertTargetInput, targetParams } from '../../core/staff-alerts/target-input.ts';
import type { StaffAlertWiring } from '../../core/staff-alerts/senders.ts';
import { getTarget, listTargets, saveTarget } from '../../core/staff-alerts/targets.ts';
import { sendTestAlert } from '../../core/staff-alerts/test-send.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** Where an agency's spike alerts, nearing deadlines and watchdog findings reach its press officers. */
/** `wiring` (the processes' keys, sandbox and links) enables the test send; without it that route is absent. */
export function staffAlertRoutes({ disclosures, requests }: Services, wiring?: StaffAlertWiring) {
  const db = disclosures.db;
  const testSend = wiring
    ? [
        route({
          method: 'post',
          path: '/api/v1/staff-alerts/targets/:kind/:id/test',
          summary: 'Send one test message through the target now (not queued, not retried): whether it arrived, or the vendor’s code and reason',
          tag: 'opinion',
          auth: ['admin'],
          params: targetParams,
          responses: { 200: '{ sent, mode, code?, reason?, retryable? }', 404: 'no such target of this agency', 409: 'the target is off' },
          handler: async (ctx, { params, principal }) => {
            ctx.body = await sendTestAlert(db, wiring, principalOf({ principal }), params.kind, params.id, disclosures.now());
          },
        }),
      ]
    : [];
  return [
    ...testSend,
    route({
      method: 'post',
      path: '/api/v1/staff-alerts/targets',
      summary: 'Create or replace one of the agency’s staff alert targets (WeCom robot, DingTalk robot, or an official-account template to one officer); keys and secrets are sealed and never returned',
      tag: 'opinion',
      auth: ['admin'],
      body: staffAlertTargetInput,
      responses: { 200: 'the target, secrets shown only as set', 400: 'invalid body, or live without complete credentials (names the fields)', 503: 'no DATA_ENCRYPTION_KEY' },
      handler: async (ctx, { body, principal }) => {
        ctx.body = await saveTarget(db, requests.keys, principalOf({ principal }), body, disclosures.now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/staff-alerts/targets',
      summary: 'The agency’s staff alert targets, secrets shown only as set, each with what it still needs to go live',
      tag: 'opinion',
      auth: ['admin'],
      query: z.object({}).strict(),
      responses: { 200: '{ items }' },
      handler: async (ctx, { principal }) => {
        ctx.body = { items: await listTargets(db, principalOf({ principal })) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/staff-alerts/targets/:kind/:id',
      summary: 'One of the agency’s staff alert targets, secrets shown only as set',
      tag: 'opinion',
      auth: ['admin'],
      params: targetParams,
      responses: { 200: 'the target', 404: 'no such target of this agency' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = await getTarget(db, principalOf({ principal }), params.kind, params.id);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/staff-alerts/notifications',
      summary: 'What the agency’s staff alert targets were sent, newest first: state (pending, retry, sent, failed), attempts and the vendor’s code and reason for the last failure',
      tag: 'opinion',
      auth: ['admin'],
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional().describe('最多返回条数') }).strict(),
      responses: { 200: '{ items }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = { items: await listNotifications(db, principalOf({ principal }).agencyCode, query.limit) };
      },
    }),
  ];
}
