import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { loadConfig } from '../../core/config.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('agency_rate_limit');
const clock = { ms: Date.parse('2026-10-09T10:00:00+08:00') };
const { logger } = captureLogs();
const app = createApp({
  logger,
  db,
  queue: { processing: true, takesJobs: true },
  services: createServices(db, { readModel: testReadModel(), logger }),
  bodyLimit: '1mb',
  agencyRateLimit: 3,
  publicRateLimit: 100_000,
  rateLimitClock: () => clock.ms,
}).callback();
const http = () => request(app);

describe('per-key rate limit on agency endpoints', () => {
  it('answers 429 with Retry-After and the JSON error once a key has used its budget', async () => {
    const { auth } = await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher');
    for (let i = 0; i < 3; i++) expect((await http().get('/api/v1/agency/disclosures').set(auth)).status).toBe(200);
    const limited = await http().get('/api/v1/agency/disclosures').set(auth);
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('API key') });
    expect(limited.body.error.requestId).toBe(limited.headers['x-request-id']);
    // 3 a minute: one token comes back every 20 s.
    expect(limited.headers['retry-after']).toBe('20');
    // The budget is per key, not per route: writes are refused too, before touching anything.
    const write = await http().post('/api/v1/disclosures').set(auth).send({});
    expect(write.status).toBe(429);
  });

  it('leaves another key of the same agency, and other agencies, unaffected', async () => {
    const first = await agencyWithKey(db, 'bj-dongcheng-zjw', 'publisher');
    const second = await agencyWithKey(db, 'bj-dongcheng-zjw', 'publisher');
    const other = await agencyWithKey(db, 'bj-xicheng-zjw', 'admin');
    for (let i = 0; i < 3; i++) await http().get('/api/v1/agency/disclosures').set(first.auth);
    expect((await http().get('/api/v1/agency/disclosures').set(first.auth)).status).toBe(429);
    expect((await http().get('/api/v1/agency/disclosures').set(second.auth)).status).toBe(200);
    expect((await http().get('/api/v1/compliance/pending').set(other.auth)).status).toBe(200);
  });

  it('refills with time: one request after 20 s, the full budget after a minute', async () => {
    const { auth } = await agencyWithKey(db, 'bj-fengtai-zjw', 'press');
    for (let i = 0; i < 3; i++) await http().get('/api/v1/agency/disclosures').set(auth);
    expect((await http().get('/api/v1/agency/disclosures').set(auth)).status).toBe(429);
    clock.ms += 19_000;
    const almost = await http().get('/api/v1/agency/disclosures').set(auth);
    expect(almost.status).toBe(429);
    expect(almost.headers['retry-after']).toBe('1');
    clock.ms += 1_000;
    expect((await http().get('/api/v1/agency/disclosures').set(auth)).status).toBe(200);
    expect((await http().get('/api/v1/agency/disclosures').set(auth)).status).toBe(429);
    clock.ms += 60_000;
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await http().get('/api/v1/agency/disclosures').set(auth)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('does not spend a key’s budget on requests that fail authentication', async () => {
    const { auth, apiKey } = await agencyWithKey(db, 'bj-shijingshan-zjw', 'press');
    const forged = { Authorization: `Bearer ${apiKey.slice(0, -1)}${apiKey.endsWith('0') ? '1' : '0'}` };
    for (let i = 0; i < 5; i++) expect((await http().get('/api/v1/agency/disclosures').set(forged)).status).toBe(401);
    expect((await http().get('/api/v1/agency/disclosures').set(auth)).status).toBe(200);
  });

  it('leaves public endpoints to the per-client limit', async () => {
    for (let i = 0; i < 5; i++) expect((await http().get('/api/v1/catalogue')).status).toBe(200);
  });
});

describe('failed authentications per client', () => {
  const guarded = createApp({
    logger,
    db,
    queue: { processing: true, takesJobs: true },
    services: createServices(db, { readModel: testReadModel(), logger }),
    bodyLimit: '1mb',
    agencyRateLimit: 100,
    publicRateLimit: 3,
    rateLimitClock: () => clock.ms,
  }).callback();

  it('refuse a client with 429 once it has spent its budget on wrong keys, until the budget refills', async () => {
    const { auth, apiKey } = await agencyWithKey(db, 'bj-mentougou-zjw', 'publisher');
    const wrong = { Authorization: `Bearer ${apiKey.slice(0, -1)}${apiKey.endsWith('0') ? '1' : '0'}` };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(guarded).get('/api/v1/agency/disclosures').set(wrong)).status);
    // Three a minute are free; the failure that finds the budget empty blocks what follows.
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // Refused before the key is looked up: a right key from that client waits too.
    const blocked = await request(guarded).get('/api/v1/agency/disclosures').set(auth);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    clock.ms += Number(blocked.headers['retry-after']) * 1000;
    expect((await request(guarded).get('/api/v1/agency/disclosures').set(auth)).status).toBe(200);
  });
});

describe('AGENCY_RATE_LIMIT', () => {
  it('defaults to 600 a minute and refuses anything but a positive whole number, naming the variable', () => {
    expect(loadConfig({}).agencyRateLimit).toBe(600);
    expect(loadConfig({ AGENCY_RATE_LIMIT: '120' }).agencyRateLimit).toBe(120);
    for (const bad of ['0', '-5', '2.5', 'lots']) {
      expect(() => loadConfig({ AGENCY_RATE_LIMIT: bad })).toThrow(/^AGENCY_RATE_LIMIT must be a whole number/);
    }
  });
});
