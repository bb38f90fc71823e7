import type { WeiboReplier } from '../../channels/weibo/weibo-reply.ts';
import { idParam } from '../../core/disclosures/input.ts';
import { respondInput, taskIdParam } from '../../core/opinion/respond/input.ts';
import { respondToTask } from '../../core/opinion/respond/respond.ts';
import { publicResponsesOf } from '../../core/opinion/respond/responses-of.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** A press officer answers public opinion; the public reads the answers under the original. */
export function opinionRespondRoutes(services: Services, weibo?: WeiboReplier) {
  const { disclosures } = services;
  return [
    route({
      method: 'post',
      path: '/api/v1/opinion/tasks/:id/respond',
      summary: 'Answer a response task: a Weibo reply and/or a published 回应 item linked to the disclosure; retries post once',
      tag: 'opinion',
      auth: ['press', 'admin'],
      params: taskIdParam,
      body: respondInput,
      responses: {
        200: '{ taskId, status, weibo?: { commentId, statusId, replyTo? }, item?: { id, status }, replayed }',
        400: 'invalid body (names the field)',
        404: 'no such task, disclosure, Weibo status or comment of this agency (names the field)',
        409: 'the task is closed, answered differently, or its Weibo reply is in flight or of unknown outcome',
        429: 'Weibo’s hourly quota is spent (the message says when it resets)',
        502: 'Weibo failed or did not answer',
        503: 'no Weibo account configured, or its authorisation expired',
      },
      handler: async (ctx, { params, body, principal }) => {
        // The press officer's own address is Weibo's `rip` for the reply they ask for.
        ctx.body = await respondToTask({ disclosures, weibo }, principalOf({ principal }), params.id, body, { ip: ctx.ip });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/disclosures/:id/responses',
      summary: 'The 回应 items the agency published in answer to one public disclosure, oldest first',
      tag: 'public',
      params: idParam,
      responses: { 200: '{ id, title, items }', 404: 'not found or not public' },
      handler: async (ctx, { params }) => {
        ctx.body = await publicResponsesOf(services, params.id);
      },
    }),
  ];
}
