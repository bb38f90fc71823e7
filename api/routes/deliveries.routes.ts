import { z } from 'zod';
import { CHANNEL_IDS } from '../../channels/types.ts';
import { deliveryReport, retryFailedDeliveries } from '../../core/fanout/delivery-report.ts';
import { idParam } from '../../core/disclosures/input.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

const retryBody = z.object({ channel: z.enum(CHANNEL_IDS).optional().describe('只重试该渠道') }).strict();

/** What happened to every message of a disclosure, and a way to try the failed ones again. */
export function deliveryRoutes({ disclosures, enqueue }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/disclosures/:id/deliveries',
      summary:
        'Per channel: deliveries by state (queued, sending, sent, retry, failed, skipped), failure codes, outbox state; for wechat-oa, broadcasts with WeChat\'s counts (totalCount, filterCount, filtered: followers WeChat left out, e.g. over 4 broadcasts this month)',
      tag: 'agency',
      auth: ['publisher', 'admin', 'press'],
      params: idParam,
      responses: { 200: 'the delivery report', 404: 'no such disclosure' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = await deliveryReport(disclosures.db, principalOf({ principal }), params.id);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/deliveries/retry',
      summary: 'Re-queue the failed deliveries of a disclosure (optionally of one channel)',
      tag: 'agency',
      auth: ['publisher', 'admin'],
      params: idParam,
      body: retryBody,
      responses: { 202: '{ requeued }: the fan-out picks them up' },
      handler: async (ctx, { params, body, principal }) => {
        const result = await retryFailedDeliveries(disclosures.db, principalOf({ principal }), params.id, body.channel, disclosures.now());
        await enqueue(params.id, result.outboxKeys);
        ctx.status = 202;
        ctx.body = { requeued: result.requeued };
      },
    }),
  ];
}
