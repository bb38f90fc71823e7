import { idParam } from '../../core/disclosures/input.ts';
import { approveInput, approveReview, listPendingReviews, rejectInput, rejectReview, toReviewedAgencyView } from '../../core/disclosures/review.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

// Admins may approve too (they may also publish urgently); the requester never may.
const REVIEWERS = ['reviewer', 'admin'] as const;

/** 先审后发: what awaits review in the key's agency, and the reviewer's two answers. */
export function reviewRoutes({ disclosures }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/agency/reviews',
      summary: 'The agency’s publications and corrections awaiting review, oldest request first',
      tag: 'review',
      auth: [...REVIEWERS, 'publisher'],
      responses: { 200: '{ items }: each with its review (requestedBy; requester: { kind: staff, username, displayName? } or { kind: key, keyId, label? }; contentHash, contentChanged)' },
      handler: async (ctx, { principal }) => {
        ctx.body = await listPendingReviews(disclosures, principalOf({ principal }).agencyCode);
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/approve',
      summary: 'Approve what awaits review: it is published (or the correction is) and delivered on every channel',
      tag: 'review',
      auth: [...REVIEWERS],
      params: idParam,
      body: approveInput,
      responses: {
        200: 'the published disclosure',
        403: 'the key that asked for review, or another agency’s disclosure',
        404: 'no such disclosure',
        409: 'nothing awaits review, or the content changed since review was requested (or differs from contentHash)',
      },
      handler: async (ctx, { params, body, principal }) => {
        ctx.body = toReviewedAgencyView(await approveReview(disclosures, principalOf({ principal }), params.id, body.contentHash));
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/reject',
      summary: 'Send back what awaits review, with a reason the publisher sees; nothing is published',
      tag: 'review',
      auth: [...REVIEWERS],
      params: idParam,
      body: rejectInput,
      responses: { 200: 'the disclosure with review.state rejected', 400: 'missing reason', 409: 'nothing awaits review' },
      handler: async (ctx, { params, body, principal }) => {
        ctx.body = toReviewedAgencyView(await rejectReview(disclosures, principalOf({ principal }), params.id, body.reason));
      },
    }),
  ];
}
