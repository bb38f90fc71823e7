import type { Connection } from 'mongoose';
import request from 'supertest';
import { createApp, type AppDeps } from '../../api/app.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { createApiKey } from '../../core/agencies/api-keys.ts';
import type { Role } from '../../core/models/api-key.model.ts';
import { createServices, type Services } from '../../core/services.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishDisclosure } from '../../core/disclosures/transitions.ts';
import { connectTestDb } from './db.ts';
import { captureLogs } from './logs.ts';
import { testReadModel } from './read-model.ts';
import { TEST_DATA_KEYS } from './data-keys.ts';

export const BASE_URL = 'https://gongkai.test.gov.cn';

/**
 * createApp as the tests build it: in-process queue, 1 MB bodies, BASE_URL and a public rate limit
 * no test reaches, unless `overrides` says otherwise.
 */
export function testApp(deps: Pick<AppDeps, 'logger' | 'db'> & { services: Services }, overrides: Partial<AppDeps> = {}) {
  return createApp({
    queue: { processing: true, takesJobs: true },
    bodyLimit: '1mb',
    publicBaseUrl: BASE_URL,
    publicRateLimit: 100_000,
    ...deps,
    ...overrides,
  });
}

/**
 * The real app on a database of the test file's own, with a settable clock so that due dates
 * and on-time checks are deterministic.
 */
export async function registryApp(label: string, options: { now?: Date; publicRateLimit?: number } = {}) {
  const db = await connectTestDb(label);
  const clock = { now: options.now ?? new Date('2026-10-09T10:00:00+08:00') };
  const { logger, lines } = captureLogs();
  const services = createServices(db, { readModel: testReadModel(), logger, now: () => clock.now, dataKeys: TEST_DATA_KEYS });
  const app = testApp({ logger, db, services }, { publicRateLimit: options.publicRateLimit ?? 100_000, trustProxy: true }).callback();
  return { db, app, clock, services, logs: lines, http: () => request(app) };
}

/** An agency and a key of the given role, made through the same functions the CLI uses. */
export async function agencyWithKey(db: Connection, code: string, role: Role = 'publisher', name = `${code} 住房和城乡建设委员会`) {
  await createAgency(db, { code, name }).catch((error: { status?: number }) => {
    if (error.status !== 409) throw error;
  });
  const { apiKey } = await createApiKey(db, { agencyCode: code, role });
  return { code, apiKey, auth: { Authorization: `Bearer ${apiKey}` } };
}

/** A valid 住房分配结果 (allocation result) draft body, listing the given application numbers. */
export function allocationResult(overrides: Record<string, unknown> = {}, numbers = ['HD2026-0001', 'HD2026-0002']) {
  return {
    field: 'housing',
    itemType: 'allocation-result',
    title: '海淀区2026年第三批公共租赁住房分配结果公示',
    region: '110108',
    formedAt: '2026-09-25',
    basis: 'implement',
    content: allocationContent(numbers),
    ...overrides,
  };
}

export function allocationContent(numbers: string[]) {
  return {
    projectName: '海淀区永丰家园公共租赁住房',
    batch: '2026年第三批',
    drawDate: '2026-09-20',
    method: '公开摇号',
    results: numbers.map((applicationNumber, i) => ({
      applicationNumber,
      householdName: '张*明',
      ...(i === 0 ? { allocatedUnit: '3-1-502', outcome: 'allocated' } : { outcome: 'waiting', note: `轮候第${i}位` }),
    })),
  };
}

/**
 * A public allocation result of the agency naming `numbers`, created and published the way the
 * API does, so the read model has it as it would in production. The agency is created if missing.
 */
export async function publishedAllocation(services: Services, agencyCode: string, numbers: string[] = ['HD2026-0001']) {
  await createAgency(services.disclosures.db, { code: agencyCode, name: `${agencyCode} 住房和城乡建设委员会` }).catch((error: { status?: number }) => {
    if (error.status !== 409) throw error;
  });
  const principal = { keyId: 'test-publisher', agencyCode, role: 'publisher' as const };
  const input = createDisclosureInput.parse(allocationResult({ formedAt: '2026-09-01', region: '110108', content: allocationContent(numbers) }));
  const { disclosure } = await createDisclosure(services.disclosures, principal, input);
  return (await publishDisclosure(services.disclosures, principal, disclosure._id.toHexString()))._id.toHexString();
}
