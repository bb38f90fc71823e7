import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { createServices } from '../../core/services.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, registryApp } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

const { db, http } = await registryApp('rate_limit', { publicRateLimit: 3 });

describe('public rate limit', () => {
  it('answers 429 with Retry-After once a client has used its budget', async () => {
    for (let i = 0; i < 3; i++) expect((await http().get('/api/v1/disclosures').set('X-Forwarded-For', '203.0.113.7')).status).toBe(200);
    const limited = await http().get('/api/v1/disclosures').set('X-Forwarded-For', '203.0.113.7');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('counts each client separately and leaves health checks and agency endpoints alone', async () => {
    expect((await http().get('/api/v1/catalogue').set('X-Forwarded-For', '203.0.113.8')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await http().get('/healthz').set('X-Forwarded-For', '203.0.113.7')).status).toBe(200);
    const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');
    expect((await http().get('/api/v1/agency/disclosures').set(auth).set('X-Forwarded-For', '203.0.113.7')).status).toBe(200);
  });
});

describe('without a trusted proxy', () => {
  it('ignores X-Forwarded-For, so a client cannot dodge the limit by inventing addresses', async () => {
    const { logger } = captureLogs();
    const deps = { logger, db, queue: { processing: true, takesJobs: true }, services: createServices(db, { readModel: testReadModel() }), bodyLimit: '1mb' };
    const app = createApp({ ...deps, publicRateLimit: 2 }).callback();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).get('/api/v1/catalogue').set('X-Forwarded-For', `198.51.100.${i}`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
