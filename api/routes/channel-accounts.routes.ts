import { accountParams, channelAccountInput } from '../../core/channel-accounts/account-input.ts';
import { getAccount, listAccounts, saveAccount } from '../../core/channel-accounts/accounts.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/** An agency's own channel accounts: admins save them; secrets go in and never come out. */
export function channelAccountRoutes({ disclosures, requests }: Services) {
  return [
    route({
      method: 'get',
      path: '/api/v1/channel-accounts',
      summary: 'The agency’s channel accounts, each with its mode, settings, which secrets are set (never their values) and what live would still need',
      tag: 'channels',
      auth: ['admin'],
      responses: { 200: '{ items: [account + missingForLive] }' },
      handler: async (ctx, { principal }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { items: await listAccounts(disclosures.db, principalOf({ principal })) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/channel-accounts',
      summary: 'Create or replace one of the agency’s channel accounts (WeChat OA, mini-program, Weibo, webhook); secrets are sealed and never returned',
      tag: 'channels',
      auth: ['admin'],
      body: channelAccountInput,
      responses: { 200: 'the account, secrets shown only as set', 400: 'invalid body, or live without complete credentials (names the fields)', 503: 'no DATA_ENCRYPTION_KEY' },
      handler: async (ctx, { body, principal }) => {
        ctx.body = await saveAccount(disclosures.db, requests.keys, principalOf({ principal }), body, disclosures.now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/channel-accounts/:channel/:id',
      summary: 'One of the agency’s channel accounts, secrets shown only as set',
      tag: 'channels',
      auth: ['admin'],
      params: accountParams,
      responses: { 200: 'the account', 404: 'no such account of this agency' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = await getAccount(disclosures.db, principalOf({ principal }), params.channel, params.id);
      },
    }),
  ];
}
