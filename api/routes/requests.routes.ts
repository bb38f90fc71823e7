import { z } from 'zod';
import { idempotencyKeyHeader } from '../../core/disclosures/input.ts';
import {
  abandonRequest,
  assignRequest,
  endConsultation,
  extendRequest,
  receiveRequest,
  recordCorrection,
  replyToRequest,
  requestCorrection,
  startConsultation,
} from '../../core/requests/actions.ts';
import { DECISION_TYPES, OTHER_OUTCOMES } from '../../core/requests/decisions.ts';
import {
  abandonInput,
  agencyListQuery,
  assignInput,
  consultationInput,
  correctedInput,
  correctionInput,
  endConsultationInput,
  extendInput,
  publishReplyInput,
  receiptParam,
  receiveInput,
  registerRequestInput,
  replyInput,
  statusQuery,
  submitRequestInput,
} from '../../core/requests/input.ts';
import { publishReply } from '../../core/requests/publish-reply.ts';
import { agencyRequest, listAgencyRequests, requestStatus, residentRequest, residentRequests } from '../../core/requests/queries.ts';
import { submitRequest } from '../../core/requests/submit.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { residentOf } from '../middleware/resident-auth.ts';
import { route } from '../route-spec.ts';

const HANDLERS = ['publisher', 'admin'] as const;
const IDEMPOTENCY = { 'Idempotency-Key': 'a retried submission with the same key gets the same receipt number and access code' };

const publicSubmit = submitRequestInput.extend({ channel: z.enum(['web', 'api']).default('api').describe('web 网站表单；api 其他系统') }).strict();

/** 依申请公开: submitting and following a request (keyless), and the agency's workflow on it. */
export function requestRoutes(services: Services) {
  const deps = services.requests;
  const staffAction = <B>(path: string, summary: string, body: z.ZodType<B>, run: (id: string, body: B, principal: ReturnType<typeof principalOf>) => Promise<unknown>) =>
    route({
      method: 'post',
      path: `/api/v1/agency/requests/:id/${path}`,
      summary,
      tag: 'requests',
      auth: [...HANDLERS],
      params: receiptParam,
      body,
      responses: { 200: 'the request, as the agency sees it (a retry of a done action changes nothing)', 400: 'invalid input', 404: 'no such request of this agency', 409: 'not allowed in the request’s state, or by the 条例’s clock' },
      handler: async (ctx, { params, body: input, principal }) => {
        const who = principalOf({ principal });
        await run(params.id, input, who);
        ctx.body = await agencyRequest(deps, who, params.id);
      },
    });
  return [
    route({
      method: 'get',
      path: '/api/v1/requests/decisions',
      summary: 'The answers an information request can get (第三十六条), with their legal basis and annual-report rows',
      tag: 'requests',
      responses: { 200: '{ decisions, otherOutcomes }' },
      handler: (ctx) => {
        ctx.body = { decisions: DECISION_TYPES, otherOutcomes: OTHER_OUTCOMES };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/requests',
      summary: 'Submit an information request (政府信息公开申请); answers the receipt number and a one-time access code',
      tag: 'requests',
      body: publicSubmit,
      headers: IDEMPOTENCY,
      responses: { 201: '{ receiptNumber, accessCode, statusUrl }', 200: 'replay with the same Idempotency-Key', 400: 'invalid input, naming the field', 409: 'Idempotency-Key reused with another body', 503: 'requests are not configured (no DATA_ENCRYPTION_KEY)' },
      handler: async (ctx, { body }) => {
        const key = idempotencyKeyHeader.parse(ctx.get('Idempotency-Key') || undefined);
        const { channel, ...input } = body;
        const submitted = await submitRequest(deps, input, { channel, ...(key ? { idempotencyKey: key } : {}) });
        ctx.status = submitted.replayed ? 200 : 201;
        ctx.body = { receiptNumber: submitted.receiptNumber, accessCode: submitted.accessCode, statusUrl: `/api/v1/requests/${submitted.receiptNumber}/status` };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/requests/:id/status',
      summary: 'A request’s status for its requester: each step, the deadline and the reply (receipt number and access code)',
      tag: 'requests',
      params: receiptParam,
      query: statusQuery,
      responses: { 200: 'the requester’s view (name and ID masked)', 404: 'no request with this receipt number and access code' },
      handler: async (ctx, { params, query }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await requestStatus(deps, params.id, query.code);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/agency/requests',
      summary: 'The agency’s information requests, newest first, with their deadlines and whether they are late',
      tag: 'requests',
      auth: [...HANDLERS],
      query: agencyListQuery,
      responses: { 200: '{ items, nextCursor }' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = await listAgencyRequests(deps, principalOf({ principal }), query);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/agency/requests',
      summary: 'Register a request received in person or by post, with its day of receipt (第三十一条)',
      tag: 'requests',
      auth: [...HANDLERS],
      body: registerRequestInput,
      headers: IDEMPOTENCY,
      responses: { 201: 'the request, with the access code to hand to the requester', 200: 'replay', 400: 'invalid input', 409: 'Idempotency-Key reused' },
      handler: async (ctx, { body, principal }) => {
        const who = principalOf({ principal });
        const key = idempotencyKeyHeader.parse(ctx.get('Idempotency-Key') || undefined);
        const { channel, receivedOn, ...rest } = body;
        const submitted = await submitRequest(deps, { ...rest, agency: who.agencyCode }, { channel, receivedOn, by: who.keyId, ...(key ? { idempotencyKey: key } : {}) });
        ctx.status = submitted.replayed ? 200 : 201;
        ctx.body = { accessCode: submitted.accessCode, ...(await agencyRequest(deps, who, submitted.receiptNumber)) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/agency/requests/:id',
      summary: 'One of the agency’s requests in full (the ID number masked), with its clock and history',
      tag: 'requests',
      auth: [...HANDLERS],
      params: receiptParam,
      responses: { 200: 'the request', 404: 'no such request of this agency' },
      handler: async (ctx, { params, principal }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await agencyRequest(deps, principalOf({ principal }), params.id);
      },
    }),
    staffAction('receive', 'Confirm receipt (online: the day both sides confirm is the day of receipt, 第三十一条第（三）项)', receiveInput, (id, b, p) => receiveRequest(deps, p, id, b)),
    staffAction('assign', 'Assign the request to a handler', assignInput, (id, b, p) => assignRequest(deps, p, id, b)),
    staffAction('correction', 'Ask for a correction (补正), once, within 7 working days of receipt (第三十条)', correctionInput, (id, b, p) => requestCorrection(deps, p, id, b)),
    staffAction('corrected', 'Record the corrected request: the 20 working days start again (第三十条)', correctedInput, (id, b, p) => recordCorrection(deps, p, id, b)),
    staffAction('consultation', 'Start consulting a third party or another agency: the time is not counted (第三十二条, 第三十三条第三款)', consultationInput, (id, b, p) => startConsultation(deps, p, id, b)),
    staffAction('consultation/end', 'The opinion came back: the clock runs again', endConsultationInput, (id, b, p) => endConsultation(deps, p, id, b)),
    staffAction('extend', 'Extend the deadline by up to 20 working days, approved by the head of the 政府信息公开工作机构 (第三十三条第二款)', extendInput, (id, b, p) => extendRequest(deps, p, id, b)),
    staffAction('reply', 'Answer the request with a decision of 第三十六条 and its legal basis', replyInput, (id, b, p) => replyToRequest(deps, p, id, b)),
    staffAction('abandon', 'Close as 视为放弃申请 after the correction deadline passed (第三十条)', abandonInput, (id, b, p) => abandonRequest(deps, p, id, b)),
    route({
      method: 'post',
      path: '/api/v1/agency/requests/:id/publish',
      summary: 'Turn a reply that matters to many into a proactive disclosure draft (依申请公开结果), without the requester’s data',
      tag: 'requests',
      auth: [...HANDLERS],
      params: receiptParam,
      body: publishReplyInput,
      responses: { 201: 'the draft disclosure', 200: 'the draft made earlier from this reply', 404: 'no such request of this agency', 409: 'the request has no disclosing reply' },
      handler: async (ctx, { params, body, principal }) => {
        const { disclosure, replayed } = await publishReply(services, principalOf({ principal }), params.id, body);
        ctx.status = replayed ? 200 : 201;
        ctx.body = disclosure;
      },
    }),
  ];
}

/** The mini-program resident's own requests: submitted with their session, listed only for them. */
export function residentRequestRoutes(services: Services) {
  const deps = services.requests;
  return [
    route({
      method: 'post',
      path: '/api/v1/me/requests',
      summary: 'Submit an information request from the mini-program, as the signed-in resident',
      tag: 'residents',
      resident: true,
      body: submitRequestInput,
      headers: IDEMPOTENCY,
      responses: { 201: '{ receiptNumber, accessCode }', 200: 'replay', 400: 'invalid input, naming the field', 409: 'Idempotency-Key reused' },
      handler: async (ctx, { body }) => {
        const key = idempotencyKeyHeader.parse(ctx.get('Idempotency-Key') || undefined);
        const resident = residentOf(ctx.state);
        const submitted = await submitRequest(deps, body, { channel: 'miniprogram', residentId: resident._id.toHexString(), ...(key ? { idempotencyKey: key } : {}) });
        ctx.status = submitted.replayed ? 200 : 201;
        ctx.body = { receiptNumber: submitted.receiptNumber, accessCode: submitted.accessCode };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me/requests',
      summary: 'The signed-in resident’s own information requests, newest first',
      tag: 'residents',
      resident: true,
      responses: { 200: '{ items }' },
      handler: async (ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await residentRequests(deps, residentOf(ctx.state)._id.toHexString());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me/requests/:id',
      summary: 'One of the resident’s own requests: each step, the deadline and the reply',
      tag: 'residents',
      resident: true,
      params: receiptParam,
      responses: { 200: 'the requester’s view', 404: 'no such request of this resident' },
      handler: async (ctx, { params }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await residentRequest(deps, residentOf(ctx.state)._id.toHexString(), params.id);
      },
    }),
  ];
}
