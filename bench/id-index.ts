/**
 * findOne / updateOne / deleteOne by `_id` on FerretDB's SQLite backend, without and with the
 * `_id` lookup index of core/embedded/id-index.ts. `npx tsx bench/id-index.ts [--docs 20000]
 * [--samples 300]`; table on stdout, progress on stderr.
 *
 * Without: a fresh server, with the collection created after start-up, has no index of ours.
 * With: the same data after a restart, which builds it (timed separately here).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MongoClient, ObjectId, type Collection } from 'mongodb';
import { FERRETDB_BINARY } from '../core/embedded/ferretdb-build.ts';
import { freePort, startFerretDB, type FerretDBHandle } from '../core/embedded/ferretdb-process.ts';
import { ensureIdIndexes } from '../core/embedded/id-index.ts';

const { values } = parseArgs({ options: { docs: { type: 'string', default: '20000' }, samples: { type: 'string', default: '300' } } });
const DOCS = Number(values.docs);
const SAMPLES = Number(values.samples);
const say = (line: string) => process.stderr.write(`${line}\n`);

interface Doc {
  _id: ObjectId;
  applicationNo: string;
  title: string;
  body: string;
  status: string;
  seq: number;
  updatedAt: Date;
}

// About 740 bytes of BSON: mostly Chinese text, as disclosures are.
function makeDoc(seq: number): Doc {
  return {
    _id: new ObjectId(),
    applicationNo: `GK-2025-${String(seq).padStart(7, '0')}`,
    title: `保障性住房分配结果公示（第${seq}批）`,
    body: '经审核，以下申请人符合公共租赁住房保障条件，现予公示，公示期七个工作日。'.repeat(5) + randomBytes(8).toString('hex'),
    status: 'published',
    seq,
    updatedAt: new Date(),
  };
}

function pick<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function timeEach(ids: ObjectId[], op: (id: ObjectId) => Promise<boolean>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (const id of ids) {
    const started = performance.now();
    if (!(await op(id))) throw new Error(`operation on ${id.toHexString()} found no document`);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return { p50: pct(ms, 50), p99: pct(ms, 99) };
}

type Phase = Record<'findOne' | 'updateOne' | 'deleteOne', { p50: number; p99: number }> & { plan: string };

async function measure(coll: Collection<Doc>, ids: ObjectId[], toDelete: ObjectId[]): Promise<Phase> {
  const explained = await coll.find({ _id: ids[0]! }).explain();
  const plan = String((explained.queryPlanner as { Plan?: string[] } | undefined)?.Plan?.[0] ?? '?').replace(/^.*detail=/, '');
  await timeEach(ids.slice(0, 20), async (id) => (await coll.findOne({ _id: id })) !== null); // warm-up
  return {
    plan,
    findOne: await timeEach(ids, async (id) => (await coll.findOne({ _id: id })) !== null),
    updateOne: await timeEach(ids, async (id) => (await coll.updateOne({ _id: id }, { $set: { status: 'updated' } })).matchedCount === 1),
    deleteOne: await timeEach(toDelete, async (id) => (await coll.deleteOne({ _id: id })).deletedCount === 1),
  };
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-id-index-'));
const port = await freePort();
let server: FerretDBHandle | undefined;
let client: MongoClient | undefined;
try {
  server = await startFerretDB({ binary: FERRETDB_BINARY, port, dataDir });
  client = await MongoClient.connect(server.uri);
  let coll = client.db('bench').collection<Doc>('disclosures');
  say(`inserting ${DOCS} documents…`);
  const all: ObjectId[] = [];
  for (let seq = 0; seq < DOCS; seq += 1000) {
    const batch = Array.from({ length: Math.min(1000, DOCS - seq) }, (_, i) => makeDoc(seq + i));
    await coll.insertMany(batch);
    all.push(...batch.map((d) => d._id));
  }
  const chosen = pick(all, SAMPLES * 3);
  const ids = chosen.slice(0, SAMPLES);

  say('measuring without the index…');
  const without = await measure(coll, ids, chosen.slice(SAMPLES, SAMPLES * 2));

  await client.close();
  await server.stop();
  const buildStarted = performance.now();
  const built = ensureIdIndexes(dataDir);
  const buildMs = performance.now() - buildStarted;
  server = await startFerretDB({ binary: FERRETDB_BINARY, port, dataDir });
  client = await MongoClient.connect(server.uri);
  coll = client.db('bench').collection<Doc>('disclosures');

  say('measuring with the index…');
  const withIndex = await measure(coll, ids, chosen.slice(SAMPLES * 2));

  const f = (n: number) => n.toFixed(2).padStart(8);
  console.log(`\n${DOCS} documents, ${SAMPLES} random _ids per operation (ms, sequential, one client)`);
  console.log(`index build: ${buildMs.toFixed(0)} ms (created ${built.created}, FerretDB stopped)\n`);
  console.log('| operation | without p50 | without p99 | with p50 | with p99 | p50 speed-up |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const op of ['findOne', 'updateOne', 'deleteOne'] as const) {
    const a = without[op];
    const b = withIndex[op];
    console.log(`| ${op} | ${f(a.p50)} | ${f(a.p99)} | ${f(b.p50)} | ${f(b.p99)} | ${(a.p50 / b.p50).toFixed(1)}× |`);
  }
  console.log(`\nplan without: ${without.plan}\nplan with:    ${withIndex.plan}`);
} finally {
  await client?.close();
  await server?.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
