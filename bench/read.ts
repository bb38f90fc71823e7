/**
 * Reads at any size: `npm run bench:read -- --docs 1000000`.
 *
 * Starts its own FerretDB (SQLite) in a temp folder, seeds --docs disclosures of the real shape
 * (bench/api-seed.ts: a few dozen through the real path, the rest bulk copies over five years,
 * one in a thousand left a draft due soon), builds the SQLite read model from MongoDB as
 * `gongkai index rebuild` does, then runs the real API process (the bundle, `serve --api`) on it
 * and measures the FIRST, uncached answer of each kind of read, --samples times with different
 * values (a different query is a different cache key): lists, searches, facets, one agency's
 * annual report, compliance pending. It also measures publish → visible in search through the
 * API, the build time, the file's size, the API process's peak RSS, and a floor: the same
 * queries run by this process directly on the SQLite file. Progress goes to stderr, the table
 * to stdout; the LAST line is `docs=<N> list_p99_ms=<n> search_p99_ms=<n> report_ms=<n> visible_p50_ms=<n>`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createApiKey } from '../core/agencies/api-keys.ts';
import { connectDb } from '../core/db.ts';
import { listQuery } from '../core/disclosures/list.ts';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { freePort, indexIdLookups, startFerretDB } from '../core/embedded/ferretdb-process.ts';
import { rebuildReadModel } from '../core/read-model/rebuild.ts';
import { createSqliteReadModel } from '../core/read-model/sqlite/sqlite-read-model.ts';
import { disclosureStore } from '../core/store/disclosure-store.ts';
import { seedDisclosures } from './api-seed.ts';
import { procStatusMb } from './proc-stats.ts';
import { readCases, type ReadCase } from './read-cases.ts';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const { values } = parseArgs({ options: { docs: { type: 'string', default: '10000' }, samples: { type: 'string', default: '20' } } });
const DOCS = Number(values.docs);
const SAMPLES = Number(values.samples);
const DB = 'bench_read';
const FIVE_YEARS_MIN = 5 * 365 * 24 * 60;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-read-'));
const ferretDir = path.join(dir, 'ferretdb');
const ferret = await startFerretDB({ binary: await ensureFerretDB(), port: await freePort(), dataDir: ferretDir });
const file = path.join(dir, 'read-model.sqlite');
let api: ReturnType<typeof spawn> | undefined;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

try {
  const db = await connectDb({ uri: ferret.uri, dbName: DB });
  const seedStarted = Date.now();
  await seedDisclosures(db, DOCS, 200, {
    spacingMinutes: Math.max(1, FIVE_YEARS_MIN / DOCS),
    draftEvery: 1000,
    onProgress: (done) => done % 50_000 === 0 && say(`seeded ${done}/${DOCS} (${Math.round(done / ((Date.now() - seedStarted) / 1000))}/s)`),
  });
  say(`seeded ${DOCS} in ${((Date.now() - seedStarted) / 1000).toFixed(0)} s`);
  // The tables exist now: the index FerretDB's _id lookups use (as the embedded start adds it).
  indexIdLookups(ferretDir);

  say('building the read model from MongoDB');
  const buildStarted = Date.now();
  const model = createSqliteReadModel({ file, database: DB });
  let lastSaid = 0;
  await rebuildReadModel(disclosureStore(db), model, (done, total) => {
    if (Date.now() - lastSaid > 10_000) {
      lastSaid = Date.now();
      say(`indexed ${done}/${total}`);
    }
  });
  const buildSeconds = (Date.now() - buildStarted) / 1000;
  await model.close();
  const raw = new Database(file);
  raw.pragma('wal_checkpoint(TRUNCATE)');
  // Where the bytes are, by table and index (SQLite's dbstat).
  const sizes = raw.prepare(`SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 12`).all() as { name: string; bytes: number }[];
  raw.close();
  const sizeMb = (await fs.stat(file)).size / 2 ** 20;

  const { apiKey } = await createApiKey(db, { agencyCode: 'bj-haidian-zjw', role: 'admin' });
  say('starting the API process (npm run build, then dist/gongkai.mjs serve --api)');
  spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const logs: string[] = [];
  // BENCH_API_PROFILE=<dir>: a V8 CPU profile of the API process, written when it exits.
  const profile = process.env.BENCH_API_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_API_PROFILE)}`] : [];
  api = spawn(process.execPath, [...profile, 'dist/gongkai.mjs', 'serve', '--api'], {
    env: {
      ...(process.env.BENCH_API_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_API_NODE_OPTIONS } : {}),
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      MONGODB_URI: `${ferret.uri}${DB}`,
      READ_MODEL_FILE: file,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      PUBLIC_RATE_LIMIT: '1000000',
      AGENCY_RATE_LIMIT: '1000000',
      GONGKAI_SANDBOX: '1',
      SANDBOX_PORT: String(await freePort()),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  api.stdout!.setEncoding('utf8').on('data', (chunk: string) => logs.push(chunk));
  let base = '';
  for (let waited = 0; !base; waited += 100) {
    const match = /"msg":"gongkai listening"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"gongkai listening"/.exec(logs.join(''));
    if (match) base = `http://127.0.0.1:${match[1] ?? match[2]}`;
    else if (waited > 120_000) throw new Error(`the API did not start: ${logs.join('').slice(-2000)}`);
    else await sleep(100);
  }
  for (;;) {
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { details?: { readModel?: { sync?: string } } };
    if (ready.details?.readModel?.sync === 'current') break;
    await sleep(200);
  }

  const auth = { Authorization: `Bearer ${apiKey}` };
  // A warm-up with values no sample uses: the process's first requests compile code paths and
  // prepare statements, which is not what a first, uncached answer means.
  for (const warm of ['/api/v1/disclosures?limit=99', '/api/v1/disclosures?q=%E4%BD%8F%E6%88%BF&limit=99&facets=true', '/api/v1/disclosures?field=land&limit=99']) {
    await (await fetch(`${base}${warm}`)).arrayBuffer();
  }
  const floorModel = createSqliteReadModel({ file });
  const rows: { name: string; api: number[]; floor: number[] }[] = [];
  for (const c of readCases(DOCS, SAMPLES)) {
    const timesApi: number[] = [];
    const timesFloor: number[] = [];
    for (const sample of c.samples) {
      const t0 = performance.now();
      const res = await fetch(`${base}${sample.path}`, { headers: sample.agency ? auth : {} });
      if (res.status !== 200) throw new Error(`${sample.path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      timesApi.push(performance.now() - t0);
      const t1 = performance.now();
      await floorOf(c, sample.query);
      timesFloor.push(performance.now() - t1);
    }
    rows.push({ name: c.name, api: timesApi, floor: timesFloor });
    say(`${c.name}: p50 ${pct(timesApi, 50).toFixed(1)} ms`);
  }

  // Publish → visible in search, through the API, from the publish request's start.
  const visible: number[] = [];
  const headers = { ...auth, 'Content-Type': 'application/json' };
  for (let i = 0; i < SAMPLES; i++) {
    const word = `基准可见性${String.fromCharCode(0x4e00 + i * 7)}${String.fromCharCode(0x4e10 + i * 3)}`;
    const created = await fetch(`${base}/api/v1/disclosures`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ field: 'procurement', itemType: 'budget', title: `海淀区${word}采购预算`, region: '110108', formedAt: '2026-11-30', basis: 'implement', content: { year: 2026, purchaser: '海淀区财政局', projectName: '物业服务', amount: 1000 } }),
    });
    const { id } = (await created.json()) as { id: string };
    const t0 = performance.now();
    await (await fetch(`${base}/api/v1/disclosures/${id}/publish`, { method: 'POST', headers, body: '{}' })).arrayBuffer();
    for (;;) {
      const page = (await (await fetch(`${base}/api/v1/disclosures?q=${encodeURIComponent(word)}`)).json()) as { items: { id: string }[] };
      if (page.items.some((item) => item.id === id)) break;
      await sleep(2);
    }
    visible.push(performance.now() - t0);
  }
  const rssMb = api.pid ? procStatusMb(api.pid, 'VmHWM') : undefined;
  await floorModel.close();

  console.log(`\nbench:read — ${DOCS.toLocaleString('en')} disclosures; first, uncached answer of each, ${SAMPLES} different values each\n`);
  console.log('| read | API p50 ms | API p99 ms | floor p50 ms | floor p99 ms |');
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${pct(r.api, 50).toFixed(1)} | ${pct(r.api, 99).toFixed(1)} | ${pct(r.floor, 50).toFixed(1)} | ${pct(r.floor, 99).toFixed(1)} |`);
  console.log(`| publish → visible in search | ${pct(visible, 50).toFixed(1)} | ${pct(visible, 99).toFixed(1)} | | |`);
  console.log(`\nlargest parts of the file: ${sizes.map((x) => `${x.name} ${(x.bytes / 2 ** 20).toFixed(1)} MB`).join(', ')}`);
  console.log(`read model build: ${buildSeconds.toFixed(1)} s (${Math.round(DOCS / buildSeconds)}/s); file ${sizeMb.toFixed(1)} MB; API process peak RSS ${rssMb?.toFixed(0) ?? '?'} MB`);
  const of = (prefix: string) => rows.filter((r) => r.name.startsWith(prefix)).flatMap((r) => r.api);
  console.log(
    `docs=${DOCS} list_p99_ms=${pct(of('list'), 99).toFixed(1)} search_p99_ms=${pct(of('search'), 99).toFixed(1)} report_ms=${pct(of('annual report'), 99).toFixed(0)} visible_p50_ms=${pct(visible, 50).toFixed(1)}`,
  );
  await db.close();

  /** The same read on the file, in this process: what the query costs without HTTP, Koa and JSON. */
  async function floorOf(c: ReadCase, query: Record<string, string>) {
    if (c.kind === 'report') {
      const year = Number(query.year);
      return floorModel.annualReport(new Date(`${year}-01-01T00:00:00+08:00`), new Date(`${year + 1}-01-01T00:00:00+08:00`), query.agency);
    }
    if (c.kind === 'pending') return floorModel.pendingCompliance('bj-haidian-zjw', new Date(Date.now() + Number(query.withinDays) * 86_400_000), 500);
    return floorModel.listPublic(listQuery.parse(query));
  }
} finally {
  if (api && api.exitCode === null) {
    const exited = new Promise((resolve) => api!.once('exit', resolve));
    api.kill('SIGTERM');
    await exited;
  }
  await ferret.stop();
  await fs.rm(dir, { recursive: true, force: true });
}
