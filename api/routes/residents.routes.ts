import { z } from 'zod';
import { idParam } from '../../core/disclosures/input.ts';
import { listConsents, recordConsents, consentInput, type TemplateSetting } from '../../core/residents/consents.ts';
import { feedbackInput, leaveFeedback } from '../../core/residents/feedback.ts';
import { loginWithCode, type Code2Session } from '../../core/residents/login.ts';
import { deletePersonalData, exportPersonalData } from '../../core/residents/personal-data.ts';
import type { Sessions } from '../../core/residents/session.ts';
import { createSubscription, deleteSubscription, listSubscriptions, subscriptionInput } from '../../core/subscriptions/subscriptions.ts';
import type { Connection } from 'mongoose';
import { residentOf } from '../middleware/resident-auth.ts';
import { route } from '../route-spec.ts';

export interface ResidentDeps {
  db: Connection;
  sessions: Sessions;
  wechat: Code2Session;
  template: TemplateSetting;
}

const loginBody = z.object({ code: z.string().min(1).max(128).describe('wx.login() 返回的 code') }).strict();
const subscriptionParam = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, { error: 'must be a subscription id' }) });

/** The mini-program's endpoints: login, the resident's subscriptions, consents, data and feedback. */
export function residentRoutes({ db, sessions, wechat, template }: ResidentDeps) {
  return [
    route({
      method: 'post',
      path: '/api/v1/mp/login',
      summary: 'Mini-program login: exchanges wx.login’s code for a session',
      tag: 'residents',
      body: loginBody,
      responses: { 200: '{ token, expiresAt }', 400: 'invalid or used code', 503: 'WeChat unavailable' },
      handler: async (ctx, { body }) => {
        ctx.body = await loginWithCode(db, wechat, sessions, body.code);
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/mp/config',
      summary: 'What the mini-program needs to ask for consent: the subscribe template ids and their kind',
      tag: 'residents',
      responses: { 200: '{ templateIds, templateKind }' },
      handler: (ctx) => {
        ctx.body = { templateIds: [template.templateId], templateKind: template.kind };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me/subscriptions',
      summary: 'The signed-in resident’s subscriptions',
      tag: 'residents',
      resident: true,
      responses: { 200: '{ items }' },
      handler: async (ctx) => {
        ctx.body = { items: await listSubscriptions(db, residentOf(ctx.state)._id) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/me/subscriptions',
      summary: 'Subscribe: by field, item type, region, agency, project, keywords, or follow an application number',
      tag: 'residents',
      resident: true,
      body: subscriptionInput,
      responses: { 201: 'the subscription', 400: 'invalid filter' },
      handler: async (ctx, { body }) => {
        ctx.status = 201;
        ctx.body = await createSubscription(db, residentOf(ctx.state), 'wechat-mp', body);
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/me/subscriptions/:id',
      summary: 'Delete one of the resident’s subscriptions',
      tag: 'residents',
      resident: true,
      params: subscriptionParam,
      responses: { 204: 'deleted', 404: 'no such subscription of this resident' },
      handler: async (ctx, { params }) => {
        await deleteSubscription(db, residentOf(ctx.state)._id, params.id);
        ctx.status = 204;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me/consents',
      summary: 'The resident’s subscribe-message consents',
      tag: 'residents',
      resident: true,
      responses: { 200: '{ items }' },
      handler: async (ctx) => {
        ctx.body = { items: await listConsents(db, residentOf(ctx.state)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/me/consents',
      summary: 'Record what wx.requestSubscribeMessage returned',
      tag: 'residents',
      resident: true,
      body: consentInput,
      responses: { 200: '{ items }', 400: 'unknown template' },
      handler: async (ctx, { body }) => {
        ctx.body = { items: await recordConsents(db, residentOf(ctx.state), template, body.results) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me/export',
      summary: 'Everything held about the resident, as JSON (个人信息保护法)',
      tag: 'residents',
      resident: true,
      responses: { 200: 'the export' },
      handler: async (ctx) => {
        ctx.attachment('gongkai-my-data.json');
        ctx.body = await exportPersonalData(db, residentOf(ctx.state));
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/me',
      summary: 'Delete the resident and all their data',
      tag: 'residents',
      resident: true,
      responses: { 200: 'what was deleted' },
      handler: async (ctx) => {
        ctx.body = { deleted: await deletePersonalData(db, residentOf(ctx.state)) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/disclosures/:id/feedback',
      summary: 'Leave a comment on a public disclosure (for the agency’s public-opinion duty)',
      tag: 'residents',
      resident: true,
      params: idParam,
      body: feedbackInput,
      responses: { 201: 'stored', 404: 'not a public disclosure', 429: 'too many comments' },
      handler: async (ctx, { params, body }) => {
        ctx.status = 201;
        ctx.body = await leaveFeedback(db, residentOf(ctx.state)._id, params.id, body.text);
      },
    }),
  ];
}
