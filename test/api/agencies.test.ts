import request from 'supertest';
import type { Connection } from 'mongoose';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createApp } from '../../api/app.ts';
import { createAgency, updateAgency } from '../../core/agencies/agencies.ts';
import { createApiKey } from '../../core/agencies/api-keys.ts';
import { createAgencyDirectory } from '../../core/agencies/directory.ts';
import { connectDb } from '../../core/db.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { BASE_URL } from '../helpers/registry.ts';

const REFRESH_MS = 60_000;
const db = await connectTestDb('agency_directory');
// Another API process: its own connection to the same database, so changes made here are not its own.
const other = await connectDb({ uri: inject('mongoUri'), dbName: db.name, monitorCommands: true });
afterAll(() => other.close());

/** An API process whose agency directory runs on a clock the test moves. */
function apiProcess(database: Connection) {
  const clock = { ms: 0 };
  const { logger } = captureLogs();
  const services = createServices(database, { readModel: testReadModel(), logger, agencyDirectory: { refreshMs: REFRESH_MS, now: () => clock.ms } });
  const app = createApp({ logger, db: database, queue: { processing: true, takesJobs: true }, services, bodyLimit: '1mb', publicBaseUrl: BASE_URL, publicRateLimit: 100_000 }).callback();
  return { clock, http: () => request(app) };
}

const here = apiProcess(db);
const there = apiProcess(other);
const codes = async (p: typeof here, query = '') => (await p.http().get(`/api/v1/agencies${query}`).expect(200)).body.items.map((a: { code: string }) => a.code);

await createAgency(db, { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' });
await createAgency(db, { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会', region: '110105' });
await createAgency(db, { code: 'sh-pudong-jsw', name: '上海市浦东新区建设和交通委员会', region: '310115' });
await createAgency(db, { code: 'gjj', name: '某中央单位' });
await updateAgency(db, 'bj-haidian-zjw', { requireReview: true });
await createApiKey(db, { agencyCode: 'bj-haidian-zjw', role: 'admin' });

describe('GET /api/v1/agencies', () => {
  it('lists every agency by region then code, with only code, name and region', async () => {
    const res = await here.http().get('/api/v1/agencies').expect(200);
    expect(res.body).toEqual({
      items: [
        { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会', region: '110105' },
        { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' },
        { code: 'sh-pudong-jsw', name: '上海市浦东新区建设和交通委员会', region: '310115' },
        { code: 'gjj', name: '某中央单位' },
      ],
    });
    // Settings (先审后发), ids, timestamps and keys are not public.
    expect(res.text).not.toMatch(/requireReview|_id|createdAt|updatedAt|apiKey|keyHash|admin/);
  });

  it('filters by region with the disclosure list’s rule (110000 covers its districts)', async () => {
    expect(await codes(here, '?region=110000')).toEqual(['bj-chaoyang-zjw', 'bj-haidian-zjw']);
    expect(await codes(here, '?region=110108')).toEqual(['bj-haidian-zjw']);
    expect(await codes(here, '?region=310000')).toEqual(['sh-pudong-jsw']);
    expect(await codes(here, '?region=440000')).toEqual([]);
  });

  it('refuses a bad region or an unknown parameter with 400 naming it', async () => {
    for (const [query, field] of [['?region=1101', 'region'], ['?region=abcdef', 'region'], ['?regoin=110000', 'regoin']] as const) {
      const res = await here.http().get(`/api/v1/agencies${query}`).expect(400);
      expect(JSON.stringify(res.body), query).toContain(field);
    }
  });

  it('answers 304 to its ETag', async () => {
    const first = await here.http().get('/api/v1/agencies?region=110000').expect(200);
    expect(first.headers['etag']).toBeTruthy();
    await here.http().get('/api/v1/agencies?region=110000').set('If-None-Match', String(first.headers['etag'])).expect(304);
  });

  it('shows an agency created in this process at once, and in another process after its refresh', async () => {
    expect(await codes(there, '?region=440000')).toEqual([]);
    const before = (await here.http().get('/api/v1/agencies?region=440000').expect(200)).headers['etag'];
    await createAgency(db, { code: 'gd-tianhe-zjj', name: '广州市天河区住房和城乡建设局', region: '440106' });
    const after = await here.http().get('/api/v1/agencies?region=440000').set('If-None-Match', String(before)).expect(200);
    expect(after.body.items).toEqual([{ code: 'gd-tianhe-zjj', name: '广州市天河区住房和城乡建设局', region: '440106' }]);
    // Not yet in the other process: its list is younger than the refresh.
    there.clock.ms += REFRESH_MS - 1;
    expect(await codes(there, '?region=440000')).toEqual([]);
    there.clock.ms += 1;
    expect(await codes(there, '?region=440000')).toEqual(['gd-tianhe-zjj']);
  });

  it('shows a renamed agency in this process at once', async () => {
    await updateAgency(db, 'gjj', { name: '某中央单位信息公开办公室' });
    const res = await here.http().get('/api/v1/agencies').expect(200);
    expect(res.body.items).toContainEqual({ code: 'gjj', name: '某中央单位信息公开办公室' });
  });
});

describe('the website request form', () => {
  it('offers the directory’s agencies, a new one at once', async () => {
    await createAgency(db, { code: 'gd-yuexiu-zjj', name: '广州市越秀区住房和城乡建设局', region: '440104' });
    const page = await here.http().get('/requests/new').expect(200);
    expect(page.text).toContain('<option value="gd-yuexiu-zjj">广州市越秀区住房和城乡建设局</option>');
    expect(page.text).toContain('<option value="bj-haidian-zjw">北京市海淀区住房和城乡建设委员会</option>');
  });
});

describe('the directory in memory', () => {
  it('loads once for concurrent reads, then answers from memory until the refresh', async () => {
    const finds: string[] = [];
    const listen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'find' && e.command['find'] === 'agencies') finds.push(e.commandName);
    };
    other.getClient().on('commandStarted', listen);
    try {
      const clock = { ms: 0 };
      const directory = createAgencyDirectory(other, { refreshMs: REFRESH_MS, now: () => clock.ms });
      const lists = await Promise.all([1, 2, 3, 4, 5].map(() => directory.list('110000')));
      expect(lists.map((l) => l.map((a) => a.code))).toEqual(Array(5).fill(['bj-chaoyang-zjw', 'bj-haidian-zjw']));
      expect(finds).toHaveLength(1);
      await directory.list();
      clock.ms += REFRESH_MS - 1;
      await directory.list();
      expect(finds).toHaveLength(1);
      clock.ms += 1;
      await Promise.all([directory.list(), directory.list()]);
      expect(finds).toHaveLength(2);
    } finally {
      other.getClient().off('commandStarted', listen);
    }
  });
});
