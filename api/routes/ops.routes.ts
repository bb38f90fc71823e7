import { z } from 'zod';
import { OUTBOX_CHANNELS, type SandboxOutbox } from '../../channels/sandbox/outbox.ts';
import type { Metrics } from '../../core/metrics.ts';
import { route } from '../route-spec.ts';

/** Prometheus scrape endpoint. Operators restrict it at the proxy; it carries counts, not data. */
export function metricsRoute(metrics: Metrics) {
  return route({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics: deliveries by channel and state, send latency, quota pauses, queue depth',
    tag: 'health',
    produces: ['text/plain'],
    responses: { 200: 'metrics in the Prometheus text format' },
    handler: async (ctx) => {
      ctx.type = metrics.registry.contentType;
      ctx.body = await metrics.registry.metrics();
    },
  });
}

/**
 * Lets anyone running `npm start` on the local sandbox watch what the channels sent. Mounted only
 * while some account is in sandbox mode; `adminOnly` (NODE_ENV=production) asks for an admin key.
 */
export function sandboxOutboxRoute(outbox: SandboxOutbox, adminOnly = false) {
  return route({
    method: 'get',
    path: '/sandbox/outbox',
    summary: 'What the local WeChat/Weibo/webhook/group-robot sandbox received (only while some account is in sandbox mode)',
    tag: 'sandbox',
    ...(adminOnly ? { auth: ['admin' as const] } : {}),
    query: z.object({ channel: z.enum(OUTBOX_CHANNELS).optional() }).strict(),
    responses: { 200: '{ items }' },
    handler: (ctx, { query }) => {
      ctx.body = { items: outbox.list(query.channel) };
    },
  });
}
