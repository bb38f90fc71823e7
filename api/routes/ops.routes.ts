import { z } from 'zod';
import type { SandboxOutbox } from '../../channels/sandbox/outbox.ts';
import { CHANNEL_IDS } from '../../channels/types.ts';
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

/** Lets anyone running `npm start` without credentials watch what the channels sent. */
export function sandboxOutboxRoute(outbox: SandboxOutbox) {
  return route({
    method: 'get',
    path: '/sandbox/outbox',
    summary: 'What the local WeChat/Weibo/webhook sandbox received (only when channels run against it)',
    tag: 'sandbox',
    query: z.object({ channel: z.enum(CHANNEL_IDS).optional() }).strict(),
    responses: { 200: '{ items }' },
    handler: (ctx, { query }) => {
      ctx.body = { items: outbox.list(query.channel) };
    },
  });
}
