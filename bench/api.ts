/**
 * Public read benchmark: `npm run bench:api` (options: --docs 10000 --duration 10 --warmup 3
 * --connections 100 --rounds 3).
 *
 * Starts its own FerretDB (SQLite) in a temp folder, seeds --docs published disclosures
 * (bench/api-seed.ts), then forks two servers: the real service (createApp + createServices,
 * JSON request logs written to /dev/null, the public rate limit lifted so that 100 connections
 * from one address are not refused) and a bare Koa hello-world. autocannon runs here, in the
 * parent, so that load and server do not share an event loop. First the first (uncached)
 * response of each target is timed; then, in each of --rounds rounds, hello-world and every
 * target get a warm-up and a measured run, and each target's ratio is taken against the
 * hello-world of its own round (medians over the rounds are reported). A floor row replays the
 * feed's exact response from a bare node:http server: what writing and reading those bytes costs.
 * Requests carry `Accept-Encoding: gzip, deflate, br` as browsers and feed readers send it, so
 * cached bodies of 1 KB or more go out compressed (KB/resp is what crossed the wire).
 *
 * Progress goes to stderr, the table to stdout; the LAST line is
 * `list_ratio=<n> detail_ratio=<n> feed_ratio=<n> list_p99_ms=<n>`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Koa from 'koa';
import { createApp } from '../api/app.ts';
import { listen } from '../api/server.ts';
import { connectDb } from '../core/db.ts';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { freePort, indexIdLookups, startFerretDB } from '../core/embedded/ferretdb-process.ts';
import { createKnownCollections } from '../core/embedded/known-collections.ts';
import { createLogger, logDestination } from '../core/logger.ts';
import { createServices } from '../core/services.ts';
import { seedDisclosures } from './api-seed.ts';
import { procCpuSeconds } from './proc-stats.ts';
import { benchReadModel } from './bench-read-model.ts';
import { rebuildReadModel } from '../core/read-model/rebuild.ts';
import { disclosureStore } from '../core/store/disclosure-store.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const DB_NAME = 'bench_api';
const FEED = '/feeds/rss.xml?agency=bj-haidian-zjw';
const ACCEPT_ENCODING = 'gzip, deflate, br';
const say = (line: string) => process.stderr.write(`bench: ${line}\n`);

// ───────────────────────────── the servers, each in a child process ─────────────────────────────

/** `uri` is the database's, or for `replay` the response to replay (base64 JSON). */
async function serveChild(kind: string, uri: string): Promise<void> {
  if (kind === 'replay') {
    // The floor: Node's http answering with the feed's exact response and doing nothing else.
    const { headers, body } = JSON.parse(Buffer.from(uri, 'base64').toString()) as { headers: string[]; body: string };
    const bytes = Buffer.from(body, 'base64');
    const server = http.createServer((_req, res) => {
      res.writeHead(200, headers);
      res.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.send!({ port: (server.address() as { port: number }).port });
    return;
  }
  if (kind === 'hello') {
    const app = new Koa();
    app.use((ctx) => {
      ctx.body = 'hello world';
    });
    const server = await listen(app, '127.0.0.1', 0);
    process.send!({ port: server.port });
    return;
  }
  const db = await connectDb({ uri, dbName: DB_NAME });
  // The real request log, serialised as in production, but not printed over the results.
  const logger = createLogger('info', logDestination(process.env.BENCH_API_LOG ?? '/dev/null'));
  // Seeded in bulk straight into MongoDB: the read model is built from it before serving.
  const readModel = benchReadModel('api');
  await rebuildReadModel(disclosureStore(db), readModel);
  const services = createServices(db, { readModel, logger });
  const app = createApp({
    logger,
    db,
    queue: { processing: true, takesJobs: true },
    services,
    bodyLimit: '1mb',
    publicBaseUrl: 'https://gongkai.example.gov.cn',
    publicRateLimit: 1e9,
  });
  const server = await listen(app, '127.0.0.1', 0);
  process.send!({ port: server.port });
}

function startChild(kind: 'app' | 'hello' | 'replay', uri: string): Promise<{ child: ChildProcess; base: string }> {
  // BENCH_API_PROFILE=<dir> writes a V8 CPU profile of the service there, to see where a request's time goes.
  const profile = kind === 'app' && process.env.BENCH_API_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_API_PROFILE}`] : [];
  const child = fork(THIS_FILE, ['--child', kind, '--uri', uri], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, base: `http://127.0.0.1:${m.port}` }));
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before listening`)));
  });
}

// ───────────────────────────── measuring ─────────────────────────────

interface Target {
  name: string;
  base: string;
  paths: string[];
  /** Request headers beyond Accept-Encoding. */
  headers?: Record<string, string>;
  /** The server process, whose CPU time per request is reported. */
  pid: number;
}

interface Row {
  name: string;
  rps: number;
  /** Median over the rounds of req/s ÷ that round's hello-world req/s. */
  ratio: number;
  ratios: number[];
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  firstMs: number;
  kbPerResponse: number;
  /** Server CPU per request: unlike req/s, it barely moves with what else the machine runs. */
  cpuUs: number;
}

async function cannon(target: Target, seconds: number, connections: number) {
  let i = 0;
  const [only, ...more] = target.paths;
  const rotating: autocannon.Request[] = [{ setupRequest: (req) => ({ ...req, path: target.paths[i++ % target.paths.length]! }) }];
  return autocannon({
    url: more.length ? target.base : target.base + only,
    connections,
    duration: seconds,
    // What every browser and feed reader sends; autocannon sends none by default.
    headers: { 'accept-encoding': ACCEPT_ENCODING, ...target.headers },
    // Only when there are paths to rotate: with setupRequest autocannon rebuilds every request,
    // client work on the same two CPUs that cost a 2.7 KB answer a quarter of its rate in a
    // scratch A/B (bare servers: 0.85 of hello-world with a fixed URL, 0.58 with setupRequest).
    ...(more.length ? { requests: rotating } : {}),
  });
}

/** The first (uncached) response's time, after every distinct path has been rendered once. */
async function prepare(target: Target): Promise<{ firstMs: number; ok: boolean }> {
  // The first rendering scans on FerretDB and may outlast the driver's 30 s socket timeout on a
  // loaded machine (a 500); it is tried three times before the target is given up.
  let firstMs = 0;
  for (let attempt = 1; ; attempt++) {
    const started = process.hrtime.bigint();
    const first = await fetch(target.base + target.paths[0]);
    await first.arrayBuffer();
    firstMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (first.ok) break;
    say(`${target.name}: first response ${first.status} after ${firstMs.toFixed(0)} ms`);
    if (attempt === 3) return { firstMs, ok: false };
  }
  // Every distinct path renders once (uncached) before the load, a few at a time.
  const rest = [...new Set(target.paths.slice(1))];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let p = rest.shift(); p; p = rest.shift()) await (await fetch(target.base + p)).arrayBuffer();
  }));
  say(`${target.name}: first response ${firstMs.toFixed(1)} ms`);
  return { firstMs, ok: true };
}

/**
 * The feed's response as the service sends it (br-coded body, every header but the per-connection
 * ones), for the floor row: what any server pays to write these bytes, and autocannon to read them.
 */
function rawResponse(url: string): Promise<{ headers: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': ACCEPT_ENCODING } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const headers: string[] = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = res.rawHeaders[i]!;
            if (!['date', 'connection', 'keep-alive', 'content-length'].includes(name.toLowerCase())) headers.push(name, res.rawHeaders[i + 1]!);
          }
          resolve({ headers, body: Buffer.concat(chunks).toString('base64') });
        });
      })
      .on('error', reject);
  });
}

interface Round {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  kbPerResponse: number;
  cpuUs: number;
}

async function measure(target: Target, options: { duration: number; warmup: number; connections: number }): Promise<Round> {
  say(`${target.name}: warming up ${options.warmup} s, then measuring ${options.duration} s with ${options.connections} connections`);
  await cannon(target, options.warmup, options.connections);
  const cpuBefore = procCpuSeconds(target.pid);
  const r = await cannon(target, options.duration, options.connections);
  const cpuUs = ((procCpuSeconds(target.pid) - cpuBefore) * 1e6) / r.requests.total;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors, kbPerResponse: r.throughput.average / r.requests.average / 1024, cpuUs };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * One row per target over the rounds: medians, except p99 (the worst round's) and the error
 * counts (summed). × hello is the median of the rounds' ratios, each against the hello-world
 * measured just before it in the same round, so that the machine's drift between rounds (large
 * on shared CPUs) does not enter the ratio.
 */
function summarise(target: Target, firstMs: number, rounds: Round[], hellos: Round[]): Row {
  return {
    name: target.name,
    rps: median(rounds.map((r) => r.rps)),
    ratio: median(rounds.map((r, i) => r.rps / hellos[i]!.rps)),
    ratios: rounds.map((r, i) => r.rps / hellos[i]!.rps),
    p50: median(rounds.map((r) => r.p50)),
    p99: Math.max(...rounds.map((r) => r.p99)),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    firstMs,
    kbPerResponse: median(rounds.map((r) => r.kbPerResponse)),
    cpuUs: median(rounds.map((r) => r.cpuUs)),
  };
}

function table(rows: Row[]): string {
  const head = ['target', 'req/s', 'p50 ms', 'p99 ms (worst)', '× hello', 'rounds × hello', 'KB/resp', 'server CPU µs/req', 'non-2xx', 'errors', 'first ms'];
  const lines = rows.map((r) => [r.name, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), r.ratio.toFixed(2), r.ratios.map((x) => x.toFixed(2)).join(' '), r.kbPerResponse.toFixed(1), r.cpuUs.toFixed(0), String(r.non2xx), String(r.errors), r.firstMs.toFixed(1)]);
  const widths = head.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const fmt = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      docs: { type: 'string', default: '10000' },
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '100' },
      rounds: { type: 'string', default: '3' },
      child: { type: 'string' },
      uri: { type: 'string', default: '' },
    },
  });
  if (values.child) {
    process.once('SIGTERM', () => process.exit(0)); // a normal exit, so that --cpu-prof is written
    return serveChild(values.child, values.uri);
  }
  const options = { duration: Number(values.duration), warmup: Number(values.warmup), connections: Number(values.connections) };

  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    const binary = await ensureFerretDB(say);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-api-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const ferret = await startFerretDB({ binary, port: await freePort(), dataDir });
    cleanups.push(() => ferret.stop());
    const db = await connectDb({ uri: ferret.uri, dbName: DB_NAME });
    cleanups.push(() => db.close());

    const docs = Number(values.docs);
    const seedStart = Date.now();
    const { ids, realPath } = await seedDisclosures(db, docs, 100);
    say(`seeded ${docs} published disclosures (${realPath} through the real path) in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
    // As the embedded start does: every collection made, then the index FerretDB's _id lookups use.
    await createKnownCollections(db);
    indexIdLookups(dataDir);

    const app = await startChild('app', ferret.uri);
    cleanups.push(() => app.child.kill('SIGTERM'));
    const hello = await startChild('hello', ferret.uri);
    cleanups.push(() => hello.child.kill('SIGTERM'));

    const targets: Target[] = [
      { name: 'hello-world', base: hello.base, pid: hello.child.pid!, paths: ['/'] },
      { name: 'list field+region', base: app.base, pid: app.child.pid!, paths: ['/api/v1/disclosures?field=housing&region=110000'] },
      { name: `detail (${ids.length} ids)`, base: app.base, pid: app.child.pid!, paths: ids.map((id) => `/api/v1/disclosures/${id}`) },
      // By agency: a string equality FerretDB pushes down. A region filter (an array field) makes the
      // first, uncached rendering read all documents, which took over 30 s on a loaded machine.
      { name: 'rss feed (agency)', base: app.base, pid: app.child.pid!, paths: [FEED] },
    ];
    const rounds = Number(values.rounds);
    const first = new Map<Target, number>();
    for (const target of targets) {
      const prepared = await prepare(target);
      if (!prepared.ok) throw new Error(`${target.name}: the uncached rendering failed three times`);
      first.set(target, prepared.firstMs);
    }
    // A feed reader polling with the ETag it holds gets 304s. Reported, not part of the last line.
    const feedTag = (await fetch(app.base + FEED, { headers: { 'accept-encoding': ACCEPT_ENCODING } })).headers.get('etag')!;
    const polling: Target = { name: 'rss feed, If-None-Match (304)', base: app.base, pid: app.child.pid!, paths: [FEED], headers: { 'if-none-match': feedTag } };
    targets.push(polling);
    first.set(polling, 0);
    const replay = await startChild('replay', Buffer.from(JSON.stringify(await rawResponse(app.base + FEED))).toString('base64'));
    cleanups.push(() => replay.child.kill('SIGTERM'));
    const floor: Target = { name: 'floor: feed bytes, bare node:http', base: replay.base, pid: replay.child.pid!, paths: [FEED] };
    // Measured right after hello-world in each round, so that it shares hello-world's minute.
    targets.splice(1, 0, floor);
    first.set(floor, 0);
    const measured = new Map<Target, Round[]>(targets.map((t) => [t, []]));
    for (let round = 1; round <= rounds; round++) {
      say(`round ${round} of ${rounds}`);
      for (const target of targets) measured.get(target)!.push(await measure(target, options));
    }
    const hellos = measured.get(targets[0]!)!;
    const rows = targets.map((t) => summarise(t, first.get(t)!, measured.get(t)!, hellos));
    const rowOf = (name: string) => rows.find((r) => r.name.startsWith(name))!;
    const [list, detail, feed] = [rowOf('list'), rowOf('detail'), rowOf('rss feed (agency)')];
    process.stdout.write(`${table(rows)}\n`);
    process.stdout.write(
      `(${docs} disclosures, ${options.connections} connections; ${rounds} rounds, each measuring every target ${options.duration} s after ${options.warmup} s warm-up, hello-world first; ${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(2)})\n`,
    );
    process.stdout.write(`list_ratio=${list.ratio.toFixed(2)} detail_ratio=${detail.ratio.toFixed(2)} feed_ratio=${feed.ratio.toFixed(2)} list_p99_ms=${list.p99.toFixed(1)}\n`);
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}

await main();
