import { principalOf } from '../middleware/auth.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import {
  createDisclosureInput,
  idempotencyKeyHeader,
  idParam,
  reviseDisclosureInput,
  withdrawDisclosureInput,
} from '../../core/disclosures/input.ts';
import { listAgencyDisclosures, getAgencyDisclosure, agencyListQuery } from '../../core/disclosures/agency-read.ts';
import { withdrawDisclosure } from '../../core/disclosures/transitions.ts';
import { publishInput, publishOrRequestReview, reviseOrRequestReview, toReviewedAgencyView } from '../../core/disclosures/review.ts';
import { toAgencyView } from '../../core/disclosures/views.ts';
import type { Services } from '../../core/services.ts';
import { route } from '../route-spec.ts';
import type { Connection } from 'mongoose';
import { ValidationError } from '../../core/errors.ts';
import { requireRespondableOriginal } from '../../core/opinion/respond/response-item.ts';
import { FieldNotFoundError } from '../../core/opinion/respond/weibo-outcome.ts';

/**
 * A 回应 made through the generic endpoints must answer a public item of the same agency, as one
 * made through the respond endpoint does; here a bad reference is bad input (400), not a 404.
 */
async function checkRespondsTo(db: Connection, agencyCode: string, content: unknown): Promise<void> {
  const respondsTo = content && typeof content === 'object' ? (content as { respondsTo?: unknown }).respondsTo : undefined;
  if (typeof respondsTo !== 'string') return;
  try {
    await requireRespondableOriginal(db, agencyCode, respondsTo, 'content.respondsTo');
  } catch (error) {
    if (error instanceof FieldNotFoundError) throw new ValidationError(error.message, error.fields);
    throw error;
  }
}

const WRITERS = ['publisher', 'admin'] as const;
const READERS = ['publisher', 'admin', 'press', 'reviewer'] as const;

/** The responsible agency's endpoints (谁公开): every change is scoped to the key's agency. */
export function disclosureRoutes({ disclosures, readModel, store }: Services) {
  return [
    route({
      method: 'post',
      path: '/api/v1/disclosures',
      summary: 'Create a draft disclosure as the key’s agency',
      tag: 'agency',
      auth: [...WRITERS],
      body: createDisclosureInput,
      headers: { 'Idempotency-Key': 'a retried request with the same key returns the same disclosure' },
      responses: { 201: 'the draft', 200: 'replay of an earlier request with this Idempotency-Key', 400: 'invalid input', 409: 'Idempotency-Key reused with another body' },
      handler: async (ctx, { body, principal }) => {
        const key = idempotencyKeyHeader.parse(ctx.get('Idempotency-Key') || undefined);
        await checkRespondsTo(disclosures.db, principalOf({ principal }).agencyCode, body.content);
        const { disclosure, replayed } = await createDisclosure(disclosures, principalOf({ principal }), body, key);
        ctx.status = replayed ? 200 : 201;
        if (replayed) ctx.set('Idempotent-Replayed', 'true');
        ctx.set('Location', `/api/v1/agency/disclosures/${disclosure._id.toHexString()}`);
        ctx.body = toAgencyView(disclosure);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/publish',
      summary: 'Publish a draft (a repeated call returns the published disclosure); when the agency requires review (先审后发), ask for it',
      tag: 'agency',
      auth: [...WRITERS],
      params: idParam,
      body: publishInput,
      responses: {
        200: 'the published disclosure',
        202: 'the agency requires review: the draft awaits a reviewer (see review)',
        400: 'urgent without a reason',
        403: 'another agency’s disclosure, or urgent publication without an admin key',
        404: 'no such disclosure',
        409: 'withdrawn',
      },
      handler: async (ctx, { params, body, principal }) => {
        const { doc, inReview } = await publishOrRequestReview(disclosures, principalOf({ principal }), params.id, body);
        ctx.status = inReview ? 202 : 200;
        ctx.body = toReviewedAgencyView(doc);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/revisions',
      summary: 'Edit a draft, or publish a correction (a new revision with a public change note)',
      tag: 'agency',
      auth: [...WRITERS],
      params: idParam,
      body: reviseDisclosureInput,
      responses: {
        200: 'the disclosure with the new revision',
        202: 'the agency requires review: the correction awaits a reviewer (see review)',
        400: 'invalid input or missing note',
        409: 'withdrawn',
      },
      handler: async (ctx, { params, body, principal }) => {
        await checkRespondsTo(disclosures.db, principalOf({ principal }).agencyCode, body.content);
        const { doc, inReview } = await reviseOrRequestReview(disclosures, principalOf({ principal }), params.id, body);
        ctx.status = inReview ? 202 : 200;
        ctx.body = toReviewedAgencyView(doc);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/withdraw',
      summary: 'Withdraw a published disclosure; it stays visible as withdrawn, with the reason',
      tag: 'agency',
      auth: [...WRITERS],
      params: idParam,
      body: withdrawDisclosureInput,
      responses: { 200: 'the withdrawn disclosure', 409: 'a draft cannot be withdrawn' },
      handler: async (ctx, { params, body, principal }) => {
        ctx.body = toAgencyView(await withdrawDisclosure(disclosures, principalOf({ principal }), params.id, body.reason));
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/agency/disclosures',
      summary:
        'The key’s agency’s own disclosures, drafts included, last changed first (one line each; the detail has the content); filters: status, field, itemType, 到期日 range (dueFrom, dueTo), overdue',
      tag: 'agency',
      auth: [...READERS],
      query: agencyListQuery,
      responses: { 200: '{ items, nextCursor }', 400: 'invalid filter or cursor (the field is named)' },
      handler: async (ctx, { query, principal }) => {
        ctx.body = await listAgencyDisclosures(readModel, principalOf({ principal }).agencyCode, query, disclosures.now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/agency/disclosures/:id',
      summary: 'One of the agency’s disclosures with withheld values and its history',
      tag: 'agency',
      auth: [...READERS],
      params: idParam,
      responses: { 200: 'the disclosure', 403: 'another agency’s disclosure', 404: 'no such disclosure' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = toReviewedAgencyView(await getAgencyDisclosure(store, principalOf({ principal }).agencyCode, params.id));
      },
    }),
  ];
}

