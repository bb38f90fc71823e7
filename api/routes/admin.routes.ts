import { agencySettings, agencySettingsInput, changeAgencySettings } from '../../core/agencies/agency-settings.ts';
import { createAgencyKey, keyIdParams, listAgencyKeys, newKeyInput, revokeAgencyKey } from '../../core/agencies/api-key-admin.ts';
import { calendarStatus } from '../../core/calendar/calendar-status.ts';
import type { Services } from '../../core/services.ts';
import { principalOf } from '../middleware/auth.ts';
import { route } from '../route-spec.ts';

/**
 * An agency admin's own administration (the console's 系统管理): its API keys, its review
 * setting (先审后发), and which working-day calendar years are loaded. Always the caller's agency.
 */
export function adminRoutes({ disclosures, calendar }: Services) {
  const { db, now } = disclosures;
  return [
    route({
      method: 'get',
      path: '/api/v1/keys',
      summary: 'The admin’s agency’s API keys, newest first: id, role, label, created, last used (to the hour), expiry, revocation; never a secret or its hash',
      tag: 'admin',
      auth: ['admin'],
      responses: { 200: '{ items: [{ keyId, role, label?, createdAt, lastUsedAt?, expiresAt?, revokedAt?, revoked }] }' },
      handler: async (ctx, { principal }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = { items: await listAgencyKeys(db, principalOf({ principal }).agencyCode) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/keys',
      summary: 'Creates an API key in the admin’s agency; the key (gk_<keyId>_<secret>) is in this answer only and cannot be shown again',
      tag: 'admin',
      auth: ['admin'],
      body: newKeyInput,
      responses: { 201: '{ apiKey, key: { keyId, role, label, createdAt, revoked } }', 400: 'invalid role or label (the field is named)' },
      handler: async (ctx, { body, principal }) => {
        const created = await createAgencyKey(db, principalOf({ principal }), body, now());
        ctx.set('Cache-Control', 'no-store');
        ctx.status = 201;
        ctx.body = created;
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/keys/:keyId/revoke',
      summary: 'Revokes one of the admin’s agency’s API keys: it is refused (401) from the next request on',
      tag: 'admin',
      auth: ['admin'],
      params: keyIdParams,
      responses: { 200: '{ key }', 400: 'not a key id', 404: 'no such key in this agency', 409: 'already revoked' },
      handler: async (ctx, { params, principal }) => {
        ctx.body = { key: await revokeAgencyKey(db, principalOf({ principal }), params.keyId, now()) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/agency/settings',
      summary: 'The admin’s agency: name and whether publications and corrections wait for review (先审后发)',
      tag: 'admin',
      auth: ['admin'],
      responses: { 200: '{ code, name, region?, requireReview }' },
      handler: async (ctx, { principal }) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await agencySettings(db, principalOf({ principal }).agencyCode);
      },
    }),
    route({
      method: 'put',
      path: '/api/v1/agency/settings',
      summary: 'Turns review before publication (先审后发) on or off for the admin’s agency; audited as agency.update',
      tag: 'admin',
      auth: ['admin'],
      body: agencySettingsInput,
      responses: { 200: '{ code, name, region?, requireReview }', 400: 'requireReview missing or not a boolean' },
      handler: async (ctx, { body, principal }) => {
        ctx.body = await changeAgencySettings(db, principalOf({ principal }), body, now());
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/calendar',
      summary: 'Working-day calendar: the years with an official holiday arrangement (chinese-days or loaded by an operator) and which of this year and next are missing (due dates there assume Mon–Fri)',
      tag: 'admin',
      auth: ['admin'],
      responses: { 200: '{ today, thisYear, years: [{ year, origin, source?, loadedAt?, loadedBy? }], lastKnownYear, missingYears }' },
      handler: async (ctx) => {
        ctx.set('Cache-Control', 'no-store');
        ctx.body = await calendarStatus(calendar, now());
      },
    }),
  ];
}
