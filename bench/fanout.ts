/**
 * Fan-out benchmark: `npm run bench:fanout -- --subscribers N` (default 100000).
 *
 * Self-contained: starts its own FerretDB (SQLite handler, or `--pg` for the PostgreSQL handler
 * against the local PostgreSQL) on a free loopback port with a temp data dir, and the channel
 * sandbox in a child process (`--sandbox inproc` to run it in this process instead). Then:
 *
 *  1. publish→first send latency: `--publishes` (20) publishes through the real path
 *     (createDisclosure + publishDisclosure, services wired to an in-process job queue), each
 *     matching a small subscriber set by applicationNumber, measured from the publish call
 *     returning to the sandbox recording that disclosure's first template send. Runs in a
 *     database of its own, so the N catch-all subscriptions below do not match these publishes.
 *  2. pipeline: seeds N `wechat-oa` subscriptions (ANY filters) and N sandbox followers,
 *     publishes one disclosure and runs runFanOut for its `wechat-oa` outbox entry to the end:
 *     sends/s with delivery records. runFanOut runs in an engine process of its own
 *     (bench/fanout-engine.ts: wired as a WORKER_JOBS=fanout worker, bundled as `npm run build`
 *     bundles the service, started with `npm run start:worker`'s node flags), so the engine's
 *     memory is its own and not the seeding's; its RSS is sampled every 100 ms, and its VmHWM read.
 *  3. raw: the OA channel's send() called directly min(N, --raw-cap) times through the same
 *     throttle settings and concurrency, with an in-memory token store: no database.
 *  4. floor: the same subscriptions read, sent and recorded with nothing else (floorPhase).
 *
 * Progress goes to stderr, the results table to stdout; the LAST stdout line is
 * `ratio=<pipeline/raw> first_send_p50_ms=<n> peak_rss_mb=<n>`.
 *
 * The sandbox is used as is except for three bench-only adjustments, made in the process that
 * runs it: its follower table is not capped at 50,000 (so N openids are all known), the OA
 * template quota is lifted (default 100,000 a day), and its outbox keeps counts instead of
 * every request body (it would otherwise hold the last 100,000 bodies).
 */
import { fork, execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import type { CommandTimes } from './command-timer.ts';
import { procCpuSeconds, procStatusMb } from './proc-stats.ts';
import type { EngineMessage, EngineRequest } from './fanout-engine.ts';
import { Types, type Connection } from 'mongoose';
import { pino, type Logger } from 'pino';
import { createChannels, SANDBOX_APPS } from '../channels/registry.ts';
import { SANDBOX_MP_MAPPING, SANDBOX_OA_MAPPING } from '../channels/wechat/template-mapping.ts';
import type { Channel, OutgoingMessage, TokenStore } from '../channels/types.ts';
import { createAgency } from '../core/agencies/agencies.ts';
import type { Principal } from '../core/agencies/api-keys.ts';
import { todayInChina } from '../core/calendar/due-date.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { createDisclosure } from '../core/disclosures/create.ts';
import { createDisclosureInput } from '../core/disclosures/input.ts';
import { publishDisclosure } from '../core/disclosures/transitions.ts';
import { FERRETDB_BINARY, FERRETDB_VERSION } from '../core/embedded/ferretdb-build.ts';
import { freePort, indexIdLookups, startFerretDB, waitForPort } from '../core/embedded/ferretdb-process.ts';
import { createKnownCollections } from '../core/embedded/known-collections.ts';
import type { FanOutResult } from '../core/fanout/fan-out.ts';
import { buildMessage } from '../core/fanout/message.ts';
import { createThrottle } from '../core/fanout/throttle.ts';
import { fanOutDeps } from '../core/fanout/wiring.ts';
import { createLogger } from '../core/logger.ts';
import { createMetrics } from '../core/metrics.ts';
import { agencyModel } from '../core/models/agency.model.ts';
import { deliveryId, deliveryModel } from '../core/models/delivery.model.ts';
import { disclosureModel } from '../core/models/disclosure.model.ts';
import { fanOutCollection, fanOutId, fanOutLeases } from '../core/models/fanout.model.ts';
import { newSubscription, subscriptionCollection, subscriptionModel, type SubscriptionFilters, type SubscriptionRecord } from '../core/models/subscription.model.ts';
import { createServices } from '../core/services.ts';
import { createMongoTokenStore } from '../core/wechat-state/mongo-token-store.ts';
import { enqueueFanOut } from '../jobs/fan-out.job.ts';
import { startQueue } from '../jobs/worker.ts';
import { benchReadModel } from './bench-read-model.ts';

const THIS_FILE = fileURLToPath(import.meta.url);
const OA = SANDBOX_APPS.oa;
const MP = SANDBOX_APPS.mp;
const OA_TEMPLATE_KEYS = ['thing1', 'thing2', 'thing3', 'time4'] as const;
const MP_TEMPLATE_KEYS = ['thing1', 'thing2', 'time3', 'thing4'] as const;
const TEMPLATE_PATH = '/cgi-bin/message/template/send';
const SEED_BATCH = 5_000;
const FOLLOWER_CHUNK = 100_000;
const OUTBOX_KEY = 'r1~wechat-oa';
const LATENCY_MATCHING = 5;
const LATENCY_BACKGROUND = 1_000;
const PIPELINE_OPENID = 'bench-oa-';
const LATENCY_OPENID = 'bench-lat-';
const RPC_TIMEOUT_MS = 120_000;
const PIPELINE_DB = 'gongkai_bench';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const mb = (bytes: number) => bytes / (1 << 20);
const elapsedMs = (from: bigint, to = process.hrtime.bigint()) => Number(to - from) / 1e6;

// ───────────────────────────── the sandbox, in whichever process runs it ─────────────────────────────

interface SandboxStats {
  templateSends: number;
  otherSends: number;
  followers: number;
  rssMb: number;
  peakRssMb: number;
  cpuSeconds: number;
}

/** The sandbox as this bench drives it: followers in bulk, send counts, first send per URL. */
interface SandboxCore {
  url: string;
  addFollowers(prefix: string, from: number, to: number): number;
  stats(): SandboxStats;
  close(): Promise<void>;
}

async function startSandboxCore(onFirst: (url: string, at: bigint) => void): Promise<SandboxCore> {
  const { startSandbox } = await import('../channels/sandbox/server.ts');
  const { SandboxState } = await import('../channels/sandbox/wechat/state.ts');
  // The sandbox keeps at most 50,000 users per app (oldest dropped); a bench of N followers needs all N.
  SandboxState.prototype.user = function user(state, openid) {
    let found = state.users.get(openid);
    if (!found) {
      found = { following: true, tags: new Set() };
      state.users.set(openid, found);
    }
    return found;
  };
  const sandbox = await startSandbox({ host: '127.0.0.1', port: 0 });
  sandbox.wechat.registerTemplate(OA.appId, OA.templateId, OA_TEMPLATE_KEYS);
  sandbox.wechat.registerTemplate(MP.appId, MP.templateId, MP_TEMPLATE_KEYS);
  sandbox.wechat.setQuota(OA.appId, TEMPLATE_PATH, Number.MAX_SAFE_INTEGER);
  let templateSends = 0;
  let otherSends = 0;
  let followers = 0;
  const seen = new Set<string>();
  // Counts and the first send per URL (one URL per disclosure) instead of keeping every body.
  sandbox.outbox.record = (entry) => {
    if (entry.path !== TEMPLATE_PATH) {
      otherSends++;
      return;
    }
    templateSends++;
    const url = (entry.body as { url?: unknown } | null)?.url;
    if (typeof url === 'string' && !seen.has(url) && seen.size < 10_000) {
      seen.add(url);
      onFirst(url, process.hrtime.bigint());
    }
  };
  return {
    url: sandbox.url,
    addFollowers(prefix, from, to) {
      for (let i = from; i < to; i++) sandbox.wechat.addFollower(OA.appId, `${prefix}${i}`);
      followers += Math.max(0, to - from);
      return followers;
    },
    stats: () => ({
      templateSends,
      otherSends,
      followers,
      rssMb: mb(process.memoryUsage.rss()),
      peakRssMb: procStatusMb('self', 'VmHWM') ?? NaN,
      cpuSeconds: cpuSeconds(),
    }),
    close: () => sandbox.close(),
  };
}

type ChildRequest = { id: number; cmd: 'followers'; prefix: string; from: number; to: number } | { id: number; cmd: 'stats' } | { id: number; cmd: 'close' };
type ChildCommand = ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, 'id'> : never) : never;
type ChildMessage =
  | { type: 'ready'; url: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string }
  | { type: 'first'; url: string; at: string };

/** `--sandbox-child`: the sandbox alone in this process, driven over IPC by the bench. */
async function sandboxChild(): Promise<void> {
  const send = (message: ChildMessage) => process.send?.(message);
  // The parent is gone: nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  const core = await startSandboxCore((url, at) => send({ type: 'first', url, at: String(at) }));
  process.on('message', (raw) => {
    const request = raw as ChildRequest;
    try {
      if (request.cmd === 'followers') send({ type: 'reply', id: request.id, result: core.addFollowers(request.prefix, request.from, request.to) });
      else if (request.cmd === 'stats') send({ type: 'reply', id: request.id, result: core.stats() });
      else if (request.cmd === 'close') void core.close().then(() => send({ type: 'reply', id: request.id, result: true }));
    } catch (error) {
      send({ type: 'reply', id: request.id, error: String(error) });
    }
  });
  send({ type: 'ready', url: core.url });
}

/** The bench's handle on the sandbox, wherever it runs. */
interface BenchSandbox {
  url: string;
  where: string;
  addFollowers(prefix: string, from: number, to: number): Promise<number>;
  stats(): Promise<SandboxStats>;
  /** When the sandbox recorded the first template send whose body.url is `url` (process.hrtime, shared by processes on one host). */
  firstSend(url: string, timeoutMs: number): Promise<bigint>;
  close(): Promise<void>;
}

function firstSendBook() {
  const firsts = new Map<string, bigint>();
  const waiters = new Map<string, (at: bigint) => void>();
  return {
    record(url: string, at: bigint) {
      if (firsts.size < 10_000) firsts.set(url, at);
      waiters.get(url)?.(at);
    },
    async wait(url: string, timeoutMs: number): Promise<bigint> {
      const known = firsts.get(url);
      if (known !== undefined) return known;
      let timer: NodeJS.Timeout | undefined;
      try {
        return await new Promise<bigint>((resolve, reject) => {
          waiters.set(url, resolve);
          timer = setTimeout(() => reject(new Error(`no template send to ${url} within ${timeoutMs} ms`)), timeoutMs);
        });
      } finally {
        clearTimeout(timer);
        waiters.delete(url);
      }
    },
  };
}

async function startInProcessSandbox(): Promise<BenchSandbox> {
  const book = firstSendBook();
  const core = await startSandboxCore((url, at) => book.record(url, at));
  return {
    url: core.url,
    where: 'in the bench process (the engine runs in its own)',
    addFollowers: async (prefix, from, to) => core.addFollowers(prefix, from, to),
    stats: async () => core.stats(),
    firstSend: (url, timeoutMs) => book.wait(url, timeoutMs),
    close: () => core.close(),
  };
}

async function startChildSandbox(): Promise<BenchSandbox> {
  const book = firstSendBook();
  const child: ChildProcess = fork(THIS_FILE, ['--sandbox-child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`sandbox child exited (${code ?? signal})`));
      }
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sandbox child did not start within 30 s')), 30_000);
    void exit.then(() => reject(new Error('sandbox child exited during start-up')));
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve(message.url);
      } else if (message.type === 'first') {
        book.record(message.url, BigInt(message.at));
      } else if (message.type === 'reply') {
        const p = pending.get(message.id);
        if (!p) return;
        pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.error) p.reject(new Error(message.error));
        else p.resolve(message.result);
      }
    });
  });
  const rpc = <T>(request: ChildCommand): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (exited) return reject(new Error('sandbox child is not running'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`sandbox child did not answer ${request.cmd} within ${RPC_TIMEOUT_MS} ms`));
      }, RPC_TIMEOUT_MS);
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      child.send({ ...request, id } as ChildRequest);
    });
  let url: string;
  try {
    url = await ready;
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    where: `child process pid ${child.pid} (its CPU and memory are not in the engine figures)`,
    addFollowers: (prefix, from, to) => rpc<number>({ cmd: 'followers', prefix, from, to }),
    stats: () => rpc<SandboxStats>({ cmd: 'stats' }),
    firstSend: (u, timeoutMs) => book.wait(u, timeoutMs),
    async close() {
      if (exited) return;
      await rpc({ cmd: 'close' }).catch(() => undefined);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(timer);
    },
  };
}

// ───────────────────────────── the database ─────────────────────────────

/**
 * A count decodes every delivery on FerretDB: at a million it outlasts the engine connection's
 * 30 s socket timeout (the driver's timeoutMS does not lift it), so it gets a connection of its own.
 */
async function countSentDeliveries(uri: string, dbName: string, messageKey: string): Promise<number> {
  const client = await MongoClient.connect(uri, { socketTimeoutMS: 0 });
  try {
    return await client.db(dbName).collection('deliveries').countDocuments({ messageKey, state: 'sent' });
  } finally {
    await client.close();
  }
}

interface BenchDb {
  uri: string;
  pid: number;
  describe: string;
  stop(): Promise<void>;
  /** SQLite handler: adds the `_id` lookup index to every table, as the embedded start does. */
  indexIdLookups?: () => number;
}

async function startSqliteFerret(dataDir: string): Promise<BenchDb> {
  const handle = await startFerretDB({ binary: FERRETDB_BINARY, port: await freePort(), dataDir });
  return {
    uri: handle.uri,
    pid: handle.pid,
    describe: `FerretDB ${FERRETDB_VERSION}, SQLite handler, temp dir ${dataDir}`,
    stop: () => handle.stop(),
    indexIdLookups: () => indexIdLookups(dataDir).created,
  };
}

/** FerretDB's PostgreSQL handler on a fresh database of the local PostgreSQL (trust auth), dropped afterwards. */
async function startPgFerret(dataDir: string): Promise<BenchDb> {
  const run = promisify(execFile);
  const pgDb = `gongkai_bench_${process.pid}`;
  const psql = (sql: string) => run('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { timeout: 30_000 });
  await psql(`CREATE DATABASE ${pgDb}`);
  const dropDb = () => psql(`DROP DATABASE IF EXISTS ${pgDb} WITH (FORCE)`).then(() => undefined);
  try {
    const port = await freePort();
    const log = await fs.open(path.join(dataDir, 'ferretdb.log'), 'a');
    const child = spawn(
      FERRETDB_BINARY,
      [
        '--handler=postgresql',
        `--postgresql-url=postgres://postgres@127.0.0.1:5432/${pgDb}`,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${port}`,
        `--debug-addr=127.0.0.1:${await freePort()}`,
        '--telemetry=disable',
        '--log-level=WARN',
      ],
      { stdio: ['ignore', log.fd, log.fd] },
    );
    await log.close();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => undefined);
    try {
      await waitForPort('127.0.0.1', port, 30_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return {
      uri: `mongodb://127.0.0.1:${port}/`,
      pid: child.pid!,
      describe: `FerretDB ${FERRETDB_VERSION}, PostgreSQL handler, database ${pgDb} on 127.0.0.1:5432`,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
        await dropDb();
      },
    };
  } catch (error) {
    await dropDb().catch(() => undefined);
    throw error;
  }
}

// ───────────────────────────── memory ─────────────────────────────

/** CPU time (user + system) of this process. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Resets the kernel's peak-RSS mark (VmHWM) of a process; false where not allowed. */
function resetPeakRss(pid: number | 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function rssSampler(enginePid: number, ferretPid: number) {
  let peakRss = 0;
  let peakFerret = 0;
  let samples = 0;
  const sample = () => {
    peakRss = Math.max(peakRss, procStatusMb(enginePid, 'VmRSS') ?? 0);
    peakFerret = Math.max(peakFerret, procStatusMb(ferretPid, 'VmRSS') ?? 0);
    samples++;
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssMb: peakRss, peakFerretMb: peakFerret, samples };
    },
  };
}

// ───────────────────────────── helpers ─────────────────────────────

/** The environment that makes every channel "real" with its API pointed at the sandbox. */
function benchEnv(sandboxUrl: string, dbUri: string, options: Options): Record<string, string> {
  return {
    MONGODB_URI: dbUri,
    LOG_LEVEL: 'warn',
    WECHAT_OA_MODE: 'live',
    WECHAT_MP_MODE: 'live',
    WEIBO_MODE: 'live',
    WEBHOOK_MODE: 'off',
    WECHAT_OA_TOKEN: 'fanoutbenchtoken',
    WECHAT_API_BASE: sandboxUrl,
    WECHAT_OA_APPID: OA.appId,
    WECHAT_OA_SECRET: OA.secret,
    WECHAT_OA_TEMPLATE_ID: OA.templateId,
    WECHAT_OA_TEMPLATE_MAP: JSON.stringify(SANDBOX_OA_MAPPING),
    WECHAT_MP_APPID: MP.appId,
    WECHAT_MP_SECRET: MP.secret,
    WECHAT_MP_TEMPLATE_ID: MP.templateId,
    WECHAT_MP_TEMPLATE_MAP: JSON.stringify(SANDBOX_MP_MAPPING),
    WEIBO_API_BASE: sandboxUrl,
    WEIBO_ACCESS_TOKEN: SANDBOX_APPS.weiboToken,
    WEIBO_SERVER_IP: '203.0.113.10',
    CHANNEL_RATE: String(options.rate),
    CHANNEL_CONCURRENCY: String(options.concurrency),
    FANOUT_BATCH: String(options.batch),
  };
}

/** A 住房分配结果 draft naming the given application numbers. */
function allocationResultInput(title: string, numbers: string[], formedAt: string) {
  return createDisclosureInput.parse({
    field: 'housing',
    itemType: 'allocation-result',
    title,
    region: '110108',
    formedAt,
    basis: 'implement',
    content: {
      projectName: '海淀区永丰家园公共租赁住房',
      batch: '2026年第三批',
      drawDate: formedAt,
      method: '公开摇号',
      results: numbers.map((applicationNumber, i) => ({
        applicationNumber,
        householdName: '张*明',
        ...(i === 0 ? { allocatedUnit: '3-1-502', outcome: 'allocated' } : { outcome: 'waiting', note: `轮候第${i}位` }),
      })),
    },
  });
}

function subscription(i: number, openid: string, now: Date, filters: SubscriptionFilters = {}): SubscriptionRecord {
  return {
    ...newSubscription({ subscriberId: new Types.ObjectId(), channel: 'wechat-oa', address: openid, appId: OA.appId }, filters, now),
    updatedAt: new Date(now.getTime() + i),
  };
}

/** Indexes as the running service has them (mongoose builds them on first use; here before timing). */
async function ensureIndexes(db: Connection): Promise<void> {
  await Promise.all([subscriptionModel(db).init(), deliveryModel(db).init(), disclosureModel(db).init(), agencyModel(db).init()]);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function withDeadline<T>(work: Promise<T>, deadline: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish before the bench deadline`)), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function checkDeadline(deadline: number, what: string): void {
  if (Date.now() > deadline) throw new Error(`bench deadline passed during ${what}`);
}

/** A token store without a database, for the raw loop: one fetch, then memory. */
function memoryTokenStore(): TokenStore {
  const tokens = new Map<string, Promise<string>>();
  return {
    get(appId, fetch) {
      let token = tokens.get(appId);
      if (!token) {
        token = fetch().then((t) => t.accessToken);
        token.catch(() => tokens.delete(appId));
        tokens.set(appId, token);
      }
      return token;
    },
    async invalidate(appId) {
      tokens.delete(appId);
    },
  };
}

// ───────────────────────────── phases ─────────────────────────────

interface Options {
  subscribers: number;
  concurrency: number;
  rate: number;
  batch: number;
  rawCap: number;
  publishes: number;
  pg: boolean;
  sandbox: 'child' | 'inproc';
  dbTiming: boolean;
  /** `--id-index`: the SQLite tables get the `_id` lookup index before the pipeline, as on the embedded default. */
  idIndex: boolean;
  timeoutMin: number;
  stallSeconds: number;
  pipelineMaxMin?: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '100000' },
      concurrency: { type: 'string', default: '32' },
      rate: { type: 'string', default: '1000000' },
      batch: { type: 'string', default: '500' },
      'raw-cap': { type: 'string', default: '100000' },
      publishes: { type: 'string', default: '20' },
      pg: { type: 'boolean', default: false },
      sandbox: { type: 'string', default: 'child' },
      'db-timing': { type: 'boolean', default: false },
      'timeout-min': { type: 'string' },
      'stall-s': { type: 'string', default: '20' },
      'pipeline-max-min': { type: 'string' },
      'id-index': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench:fanout -- [--subscribers N] [--concurrency C] [--rate R] [--batch B] [--raw-cap M]\n' +
        '                             [--publishes P] [--pg] [--sandbox child|inproc] [--db-timing] [--timeout-min T] [--stall-s S]\n' +
        '                             [--pipeline-max-min M] [--id-index]\n',
    );
    process.exit(0);
  }
  const whole = (name: string, value: string | undefined, min: number): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  const subscribers = whole('subscribers', values.subscribers, 1);
  if (values.sandbox !== 'child' && values.sandbox !== 'inproc') throw new Error('--sandbox must be child or inproc');
  return {
    subscribers,
    concurrency: whole('concurrency', values.concurrency, 1),
    rate: whole('rate', values.rate, 1),
    batch: whole('batch', values.batch, 1),
    rawCap: whole('raw-cap', values['raw-cap'], 1),
    publishes: whole('publishes', values.publishes, 1),
    pg: values.pg,
    sandbox: values.sandbox,
    dbTiming: values['db-timing'],
    idIndex: values['id-index'],
    stallSeconds: whole('stall-s', values['stall-s'], 5),
    ...(values['pipeline-max-min'] !== undefined ? { pipelineMaxMin: whole('pipeline-max-min', values['pipeline-max-min'], 1) } : {}),
    // Default: 10 minutes plus 3 ms per subscriber (seeding, sending and the raw loop).
    timeoutMin: values['timeout-min'] !== undefined ? whole('timeout-min', values['timeout-min'], 1) : Math.ceil(10 + (subscribers * 3) / 60_000),
  };
}

interface LatencyResult {
  samples: number[];
  warmupMs: number;
  /** Where the matches sit in the fan-out's natural-order scan (0 = first row, of all rows). */
  matchingBuckets: string[];
}

/** Phase 1: publish→first send through the real path, in a database of its own. */
async function latencyPhase(dbUri: string, config: Config, sandbox: BenchSandbox, logger: Logger, options: Options, deadline: number): Promise<LatencyResult> {
  const db = await connectDb({ uri: dbUri, dbName: 'gongkai_bench_latency' });
  try {
    await ensureIndexes(db);
    const now = new Date();
    await sandbox.addFollowers(LATENCY_OPENID, 0, LATENCY_MATCHING);
    // The matching subscriptions come last in the scan: the worst place for first-send latency.
    const subs = [
      ...Array.from({ length: LATENCY_BACKGROUND }, (_, i) => subscription(i, `bench-bg-${i}`, now, { applicationNumber: `BENCH-BG-${i}` })),
      ...Array.from({ length: LATENCY_MATCHING }, (_, i) => subscription(i, `${LATENCY_OPENID}${i}`, now, { applicationNumber: 'BENCH-LAT-0001' })),
    ];
    await subscriptionCollection(db).insertMany(subs, { ordered: true });
    await createAgency(db, { code: 'bench-latency', name: '基准测试区住房和城乡建设委员会' });
    const principal: Principal = { keyId: 'bench', agencyCode: 'bench-latency', role: 'publisher' };

    const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db) });
    const site = { baseUrl: config.http.publicBaseUrl, miniProgramPage: config.channels.mpPage };
    const deps = fanOutDeps(db, config.channels, wired, site, logger, createMetrics());
    const queue = await startQueue({ db, role: 'all', pollMs: config.jobs.pollMs, logger, fanOut: deps });
    try {
      const services = createServices(db, { readModel: benchReadModel('fanout'), logger, fanOutChannels: ['wechat-oa'], enqueueFanOut: enqueueFanOut(queue.agenda) });
      const formedAt = todayInChina(new Date(Date.now() - 3 * 86_400_000));
      const once = async (n: number): Promise<number> => {
        checkDeadline(deadline, 'the latency phase');
        const input = allocationResultInput(`基准测试分配结果公示 第${n}批`, ['BENCH-LAT-0001', `BENCH-LAT-X${n}`], formedAt);
        const { disclosure } = await createDisclosure(services.disclosures, principal, input);
        const id = disclosure._id.toHexString();
        await publishDisclosure(services.disclosures, principal, id);
        const published = process.hrtime.bigint();
        const first = await sandbox.firstSend(`${site.baseUrl}/api/v1/disclosures/${id}`, 30_000);
        // Let this fan-out finish before the next publish, so publishes do not overlap.
        const until = Date.now() + 30_000;
        while ((await fanOutCollection(db).findOne({ _id: fanOutId(id, OUTBOX_KEY) }))?.state !== 'done') {
          if (Date.now() > until) throw new Error(`fan-out of latency publish ${n} did not finish within 30 s`);
          await sleep(20);
        }
        return elapsedMs(published, first);
      };
      const warmupMs = await once(0);
      const samples: number[] = [];
      for (let n = 1; n <= options.publishes; n++) {
        samples.push(await once(n));
        say(`latency publish ${n}/${options.publishes}: first send after ${samples[samples.length - 1]!.toFixed(1)} ms`);
      }
      return { samples, warmupMs, matchingBuckets: [`the last ${LATENCY_MATCHING} of ${subs.length} rows`] };
    } finally {
      await queue.stop(5_000);
    }
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  }
}

interface EngineRun {
  result: FanOutResult;
  peakHeapMb: number;
  dbTime?: CommandTimes;
}

/**
 * Node's flags for a worker, read from `npm run start:worker` so the engine runs as production
 * runs it (the heap cap keeps V8 from letting garbage grow the resident set while it can).
 */
const WORKER_NODE_FLAGS: string[] = (() => {
  const packageJson = JSON.parse(readFileSync(path.resolve(path.dirname(THIS_FILE), '../package.json'), 'utf8')) as { scripts: Record<string, string> };
  const flags = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+dist\//.exec(packageJson.scripts['start:worker'] ?? '');
  if (!flags) throw new Error('package.json start:worker does not run `node [flags] dist/…`');
  return flags[1]!.trim().split(/\s+/).filter(Boolean);
})();

/** The engine child (bench/fanout-engine.ts), bundled as `npm run build` bundles the service. */
interface EngineChild {
  pid: number;
  run(id: string, key: string): Promise<EngineRun>;
  stop(): Promise<void>;
}

async function startEngineChild(env: Record<string, string>): Promise<EngineChild> {
  const { buildBundle } = await import('../scripts/build.ts');
  const bundle = await buildBundle(path.join(path.dirname(THIS_FILE), 'fanout-engine.ts'), path.resolve(path.dirname(THIS_FILE), '../.cache/bench-engine/fanout-engine.mjs'));
  // BENCH_ENGINE_PROFILE=<dir> writes a V8 CPU profile of the engine there.
  const profile = process.env.BENCH_ENGINE_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_ENGINE_PROFILE}`] : [];
  const child = fork(bundle, [], { execArgv: [...WORKER_NODE_FLAGS, ...profile], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`engine child exited (${code ?? signal})`)));
  const next = () =>
    Promise.race([
      new Promise<EngineMessage>((resolve) => child.once('message', (m) => resolve(m as EngineMessage))),
      exited.then((why) => Promise.reject(new Error(why))),
    ]);
  const first = await next();
  if (first.type !== 'ready') throw new Error(`engine child did not start: ${JSON.stringify(first)}`);
  return {
    pid: child.pid!,
    async run(id, key) {
      const reply = next();
      child.send({ cmd: 'run', id, key } satisfies EngineRequest);
      const message = await reply;
      if (message.type === 'error') throw new Error(`engine child: ${message.error}`);
      if (message.type !== 'done') throw new Error(`engine child: unexpected ${message.type}`);
      return { result: message.result as FanOutResult, peakHeapMb: message.peakHeapMb, ...(message.dbTime ? { dbTime: message.dbTime } : {}) };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ cmd: 'stop' } satisfies EngineRequest);
      await Promise.race([exited, sleep(5_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

interface PipelineResult {
  sent: number;
  /** Set when `--pipeline-max-min` stopped the run: `sent` and `seconds` are at the stop. */
  partial?: { sentByEnd: number; wallSeconds: number };
  deliveriesSent: number;
  seconds: number;
  firstSendMs: number;
  result: FanOutResult;
  seedSeconds: number;
  followerSeconds: number;
  cpu: { engine: number; ferret: number; sandbox: number };
  memory: { peakRssMb: number; peakHeapMb: number; peakFerretMb: number; samples: number; rssAtStartMb: number; hwmMb?: number; ferretHwmMb?: number };
  dbTime?: CommandTimes;
  message: OutgoingMessage;
}

/** Phase 2: N subscribers, one publish, runFanOut for `wechat-oa` to the end. */
async function pipelinePhase(db: Connection, bench: BenchDb, config: Config, engineEnv: Record<string, string>, sandbox: BenchSandbox, logger: Logger, options: Options, deadline: number): Promise<PipelineResult> {
  const n = options.subscribers;
  await ensureIndexes(db);

  let started = process.hrtime.bigint();
  for (let from = 0; from < n; from += FOLLOWER_CHUNK) {
    checkDeadline(deadline, 'adding followers');
    await sandbox.addFollowers(PIPELINE_OPENID, from, Math.min(n, from + FOLLOWER_CHUNK));
  }
  const followerSeconds = elapsedMs(started) / 1000;
  say(`sandbox knows ${n} followers (${followerSeconds.toFixed(1)} s)`);

  started = process.hrtime.bigint();
  const subscriptions = subscriptionCollection(db);
  const seedAt = new Date();
  let lastReport = Date.now();
  for (let from = 0; from < n; from += SEED_BATCH) {
    checkDeadline(deadline, 'seeding');
    const to = Math.min(n, from + SEED_BATCH);
    const docs: SubscriptionRecord[] = [];
    for (let i = from; i < to; i++) docs.push(subscription(i, `${PIPELINE_OPENID}${i}`, seedAt));
    await subscriptions.insertMany(docs, { ordered: false });
    if (Date.now() - lastReport > 2_000 || to === n) {
      lastReport = Date.now();
      const s = elapsedMs(started) / 1000;
      say(`seeding ${to}/${n} subscriptions (${Math.round(to / s)}/s)`);
    }
  }
  const seedSeconds = elapsedMs(started) / 1000;

  await createAgency(db, { code: 'bench-pipeline', name: '基准测试市住房和城乡建设委员会' });
  const principal: Principal = { keyId: 'bench', agencyCode: 'bench-pipeline', role: 'publisher' };
  const services = createServices(db, { readModel: benchReadModel('fanout'), logger, fanOutChannels: ['wechat-oa'] });
  const formedAt = todayInChina(new Date(Date.now() - 3 * 86_400_000));
  const { disclosure } = await createDisclosure(services.disclosures, principal, allocationResultInput('基准测试公共租赁住房分配结果公示', ['BENCH-0001', 'BENCH-0002'], formedAt));
  const id = disclosure._id.toHexString();
  const doc = await publishDisclosure(services.disclosures, principal, id);
  if (!doc.outbox?.[OUTBOX_KEY]) throw new Error(`published disclosure has no ${OUTBOX_KEY} outbox entry`);

  const site = { baseUrl: config.http.publicBaseUrl, miniProgramPage: config.channels.mpPage };
  const message = buildMessage(doc, 'r1', site);
  if (options.idIndex) {
    // As `npm start` does on the embedded default: every collection made, then indexed.
    if (!bench.indexIdLookups) throw new Error('--id-index needs the SQLite handler (not --pg)');
    await createKnownCollections(db);
    say(`FerretDB: _id lookup index added to ${bench.indexIdLookups()} tables`);
  }
  // The engine runs in its own process, wired as a fan-out worker: its memory is the engine's alone.
  const engine = await startEngineChild(engineEnv);
  try {

  const before = await sandbox.stats();
  const ferretHwmReset = resetPeakRss(bench.pid);
  const rssAtStartMb = procStatusMb(engine.pid, 'VmRSS') ?? NaN;
  const cpuBefore = { engine: procCpuSeconds(engine.pid), ferret: procCpuSeconds(bench.pid), sandbox: before.cpuSeconds };
  say(`pipeline: runFanOut(${id}, ${OUTBOX_KEY}) over ${n} subscribers in the engine process ${engine.pid}; its RSS at start ${rssAtStartMb.toFixed(0)} MB`);
  const sampler = rssSampler(engine.pid, bench.pid);
  // A fan-out that stops sending (a hung database command) is reported instead of waited out.
  let stallReject: (error: Error) => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => (stallReject = reject));
  stalled.catch(() => undefined);
  let lastCount = 0;
  let lastChange = Date.now();
  let busyAtChange = procCpuSeconds(engine.pid) + procCpuSeconds(bench.pid);
  // `--pipeline-max-min`: stop the fan-out the engine's own way, by taking over its lease (it
  // checks after every batch), and count what was sent until then.
  let stop: { seconds: number; sent: number } | undefined;
  const stopTimer =
    options.pipelineMaxMin !== undefined
      ? setTimeout(() => {
          const seconds = elapsedMs(started) / 1000;
          void sandbox
            .stats()
            .then(async (now) => {
              stop = { seconds, sent: now.templateSends - before.templateSends };
              say(`pipeline time limit (${options.pipelineMaxMin} min) reached at ${stop.sent}/${n}: taking over the lease so runFanOut stops after this batch`);
              await fanOutLeases(db).insertOne({ _id: `${fanOutId(id, OUTBOX_KEY)}#2`, owner: 'bench-stop', expiresAt: new Date() });
            })
            .catch((error: unknown) => say(`could not stop the pipeline: ${String(error)}`));
        }, options.pipelineMaxMin * 60_000)
      : undefined;
  let progressBusy = false;
  const progress = setInterval(() => {
    if (progressBusy) return;
    progressBusy = true;
    const s = elapsedMs(started) / 1000;
    void sandbox
      .stats()
      .then((now) => {
        const k = now.templateSends - before.templateSends;
        say(`sending ${k}/${n} (${Math.round(k / s)}/s, ${s.toFixed(0)} s, engine RSS ${(procStatusMb(engine.pid, 'VmRSS') ?? NaN).toFixed(0)} MB)`);
        // Slow is not stuck: it is a stall only when neither the engine nor FerretDB is working either.
        const busy = procCpuSeconds(engine.pid) + procCpuSeconds(bench.pid);
        if (k !== lastCount) {
          lastCount = k;
          lastChange = Date.now();
          busyAtChange = busy;
        } else if (!stop && k < n && Date.now() - lastChange > options.stallSeconds * 1000 && busy - busyAtChange < options.stallSeconds * 0.1) {
          stallReject(new Error(stallMessage(k, n, options, bench)));
        }
      })
      .catch(() => undefined)
      .finally(() => (progressBusy = false));
  }, 2_000);
  started = process.hrtime.bigint();
  let run: EngineRun;
  try {
    run = await withDeadline(Promise.race([engine.run(id, OUTBOX_KEY), stalled]), deadline, 'the pipeline run');
  } finally {
    clearInterval(progress);
    clearTimeout(stopTimer);
  }
  const result = run.result;
  const seconds = stop?.seconds ?? elapsedMs(started) / 1000;
  const memory = { ...sampler.stop(), peakHeapMb: run.peakHeapMb };
  // The engine process's peak since it started, start-up included.
  const hwmMb = procStatusMb(engine.pid, 'VmHWM');
  const ferretHwmMb = ferretHwmReset ? procStatusMb(bench.pid, 'VmHWM') : undefined;
  const after = await sandbox.stats();
  const cpu = { engine: procCpuSeconds(engine.pid) - cpuBefore.engine, ferret: procCpuSeconds(bench.pid) - cpuBefore.ferret, sandbox: after.cpuSeconds - cpuBefore.sandbox };
  const firstSendMs = elapsedMs(started, await sandbox.firstSend(message.url, 5_000));
  const deliveriesSent = await countSentDeliveries(bench.uri, db.name, message.key);
  return {
    sent: stop?.sent ?? after.templateSends - before.templateSends,
    ...(stop ? { partial: { sentByEnd: after.templateSends - before.templateSends, wallSeconds: elapsedMs(started) / 1000 } } : {}),
    deliveriesSent,
    seconds,
    firstSendMs,
    cpu,
    result,
    seedSeconds,
    followerSeconds,
    memory: { ...memory, rssAtStartMb, ...(hwmMb !== undefined ? { hwmMb } : {}), ...(ferretHwmMb !== undefined ? { ferretHwmMb } : {}) },
    ...(run.dbTime ? { dbTime: run.dbTime } : {}),
    message,
  };
  } finally {
    await engine.stop();
  }
}

function stallMessage(k: number, n: number, options: Options, bench: BenchDb): string {
  let text = `the fan-out stopped: no template send for ${options.stallSeconds} s after ${k} of ${n}, and neither the engine nor FerretDB used CPU meanwhile`;
  const sqlite = bench.describe.includes('SQLite');
  const pool = sqlite ? 100 : 50;
  if (options.batch >= pool) {
    text +=
      `. Known cause: deliverBatch records a batch's outcomes with ONE bulkWrite of FANOUT_BATCH (${options.batch}) updateOne ops, ` +
      `and FerretDB 1.24 deadlocks on an update command of ${pool} or more statements: each statement's query iterator keeps ` +
      `one of the ${pool} pooled ${sqlite ? 'SQLite' : 'PostgreSQL (pool_max_conns)'} connections until the whole command ends ` +
      '(internal/handler/msg_update.go defers closer.Close() inside the loop over updates), so a later statement waits for a ' +
      `connection forever and every later command on that database hangs too. Run with --batch ${pool - 10} or lower.`;
    if (sqlite) {
      text +=
        ' Lower still for large N: on SQLite each of those updates also scans the whole deliveries collection, so a 90-update ' +
        "command passes the driver's 30 s socket timeout at about 6,000 deliveries.";
    }
  }
  return text;
}

const cpuSince = (before: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};

/** The OA channel and a throttle with the engine's settings, without a database: the raw and floor loops'. */
function directSender(config: Config): { channel: Channel; throttle: ReturnType<typeof createThrottle> } {
  const wired = createChannels({ config: config.channels, tokenStore: memoryTokenStore() });
  return { channel: wired.channels.get('wechat-oa')!, throttle: createThrottle(config.channels.throttle) };
}

/** Phase 3: the OA channel's send() in a loop at the engine's concurrency, no database. */
async function rawPhase(config: Config, sandbox: BenchSandbox, message: OutgoingMessage, count: number, deadline: number) {
  const { channel, throttle } = directSender(config);
  // Another message key: the sandbox's 10-minute client_msg_id dedupe must not short-cut these sends.
  const raw: OutgoingMessage = { ...message, key: `${message.key}#raw` };
  const before = await sandbox.stats();
  let next = 0;
  let ok = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const worker = async () => {
    while (next < count) {
      checkDeadline(deadline, 'the raw send loop');
      const i = next++;
      const openid = `${PIPELINE_OPENID}${i}`;
      try {
        await throttle.run(() => channel.send(raw, { id: openid, address: openid }));
        ok++;
      } catch {
        failed++;
      }
      if ((ok + failed) % 20_000 === 0) say(`raw ${ok + failed}/${count}`);
    }
  };
  await Promise.all(Array.from({ length: config.channels.throttle.concurrency }, worker));
  const seconds = elapsedMs(started) / 1000;
  const cpuSeconds = cpuSince(cpuBefore);
  const after = await sandbox.stats();
  return { ok, failed, seconds, cpuSeconds, recorded: after.templateSends - before.templateSends };
}

/**
 * Phase 4, the floor: the least any engine must do besides sending, with none of this one's
 * bookkeeping (claims, checkpoints, lease, retries, consent, metrics). It reads the same
 * subscriptions in batches with a cursor, sends each through the channel as the raw loop does
 * (same throttle, same concurrency, at most three batches in flight as the engine has), and
 * inserts one delivery record per send into a collection with the delivery records' indexes.
 * Runs in the bench process, as the raw loop does. pipeline/floor is what the engine's own work
 * costs; floor/raw is what the issue's required reads and records cost on this machine.
 */
async function floorPhase(db: Connection, config: Config, message: OutgoingMessage, count: number, deadline: number) {
  const { channel, throttle } = directSender(config);
  const batchSize = config.channels.fanOut.batchSize;
  const floor: OutgoingMessage = { ...message, key: `${message.key}#floor` };
  const records = db.collection('bench_floor_deliveries');
  await records.createIndexes([
    { key: { disclosureId: 1, channel: 1, state: 1 } },
    { key: { messageKey: 1, channel: 1, state: 1 } },
    { key: { externalId: 1 } },
  ]);
  let ok = 0;
  let failed = 0;
  const deliver = async (subscriptions: { _id: Types.ObjectId; address?: string }[]) => {
    const states = await Promise.all(
      subscriptions.map(async (s) => {
        try {
          await throttle.run(() => channel.send(floor, { id: s._id.toHexString(), address: s.address! }));
          ok++;
          return 'sent';
        } catch {
          failed++;
          return 'failed';
        }
      }),
    );
    const at = new Date();
    await records.insertMany(
      subscriptions.map((s, i) => ({
        _id: deliveryId(floor.key, 'wechat-oa', s._id.toHexString()) as never,
        messageKey: floor.key,
        disclosureId: floor.disclosureId,
        channel: 'wechat-oa',
        recipientId: s._id.toHexString(),
        address: s.address,
        state: states[i],
        attempts: 1,
        createdAt: at,
        updatedAt: at,
      })),
      { ordered: false },
    );
  };
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const inFlight = new Set<Promise<void>>();
  const launch = async (batch: { _id: Types.ObjectId; address?: string }[]) => {
    const job: Promise<void> = deliver(batch).finally(() => inFlight.delete(job));
    inFlight.add(job);
    while (inFlight.size >= 3) await Promise.race(inFlight);
  };
  let batch: { _id: Types.ObjectId; address?: string }[] = [];
  const rows = subscriptionCollection(db).find({ channel: 'wechat-oa' }, { projection: { address: 1 }, batchSize }).hint({ $natural: 1 }).limit(count);
  for await (const row of rows) {
    batch.push(row as { _id: Types.ObjectId; address?: string });
    if (batch.length === batchSize) {
      checkDeadline(deadline, 'the floor loop');
      await launch(batch);
      batch = [];
      if ((ok + failed) % 20_000 < batchSize) say(`floor ${ok + failed}/${count}`);
    }
  }
  if (batch.length) await launch(batch);
  await Promise.all(inFlight);
  return { ok, failed, seconds: elapsedMs(started) / 1000, cpuSeconds: cpuSince(cpuBefore) };
}

// ───────────────────────────── main ─────────────────────────────

async function main(): Promise<number> {
  const options = parseOptions();
  const deadline = Date.now() + options.timeoutMin * 60_000;
  const n = options.subscribers;
  const logger = createLogger('warn', pino.destination(2));
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => say(`cleanup: ${String(error)}`));
    cleanups.length = 0;
  };
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    say('interrupted: cleaning up');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    say(`${n} subscribers, concurrency ${options.concurrency}, rate ${options.rate}/s, batch ${options.batch}, deadline ${options.timeoutMin} min`);
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-'));
    cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
    const bench = options.pg ? await startPgFerret(dataDir) : await startSqliteFerret(dataDir);
    cleanups.push(() => bench.stop());
    say(`database: ${bench.describe} at ${bench.uri}`);

    const sandbox = options.sandbox === 'child' ? await startChildSandbox() : await startInProcessSandbox();
    cleanups.push(() => sandbox.close());
    say(`sandbox: ${sandbox.url}, ${sandbox.where}`);

    const config = loadConfig(benchEnv(sandbox.url, bench.uri, options));

    say(`latency: ${options.publishes} publishes (+1 warm-up) matching ${LATENCY_MATCHING} of ${LATENCY_MATCHING + LATENCY_BACKGROUND} subscriptions`);
    const latency = await latencyPhase(bench.uri, config, sandbox, logger, options, deadline);

    const db = await connectDb({ uri: bench.uri, dbName: PIPELINE_DB });
    cleanups.push(() => db.close());
    const engineEnv = {
      ...benchEnv(sandbox.url, options.dbTiming ? `${bench.uri}?monitorCommands=true` : bench.uri, options),
      MONGODB_DB: PIPELINE_DB,
      WORKER_JOBS: 'fanout',
      ...(options.dbTiming ? { BENCH_DB_TIMING: '1' } : {}),
    };
    const pipeline = await pipelinePhase(db, bench, config, engineEnv, sandbox, logger, options, deadline);
    say(`pipeline: ${pipeline.sent} sends in ${pipeline.seconds.toFixed(1)} s (${Math.round(pipeline.sent / pipeline.seconds)}/s), state ${pipeline.result.state}`);

    const rawCount = Math.min(n, options.rawCap);
    say(`raw: ${rawCount} sends straight through the OA channel`);
    const raw = await rawPhase(config, sandbox, pipeline.message, rawCount, deadline);
    say(`floor: ${rawCount} subscriptions read, sent and recorded, no engine`);
    const floor = await floorPhase(db, config, pipeline.message, rawCount, deadline);
    const sandboxStats = await sandbox.stats();

    const pipelineRate = pipeline.sent / pipeline.seconds;
    const rawRate = raw.ok / raw.seconds;
    const ratio = pipelineRate / rawRate;
    const floorRate = floor.ok / floor.seconds;
    const sorted = [...latency.samples].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const peakRss = Math.max(pipeline.memory.peakRssMb, pipeline.memory.hwmMb ?? 0);

    const rows: [string, string][] = [
      ['subscribers (N)', String(n)],
      ['database', bench.describe.replace(/, temp dir .*/, '')],
      ['sandbox', options.sandbox === 'child' ? 'child process' : 'in the bench process'],
      ['engine', `its own process, wired as a WORKER_JOBS=fanout worker, bundled as npm run build bundles it, run as npm run start:worker runs it: node ${WORKER_NODE_FLAGS.join(' ')}`],
      ['throttle', `concurrency ${config.channels.throttle.concurrency}, rate ${config.channels.throttle.ratePerSecond}/s (CHANNEL_CONCURRENCY / CHANNEL_RATE)`],
      ['batch size', `${config.channels.fanOut.batchSize} (FANOUT_BATCH)`],
      ['seeding', `${n} followers in ${pipeline.followerSeconds.toFixed(1)} s; ${n} subscriptions in ${pipeline.seedSeconds.toFixed(1)} s (${Math.round(n / pipeline.seedSeconds)}/s, insertMany ×${SEED_BATCH})`],
      [
        'pipeline sends',
        pipeline.partial
          ? `PARTIAL: stopped by --pipeline-max-min after ${pipeline.sent} of ${n} sends (${pipeline.partial.sentByEnd} by the end of the batch in hand, ${pipeline.partial.wallSeconds.toFixed(1)} s), ${pipeline.deliveriesSent} deliveries 'sent', runFanOut → ${pipeline.result.state}`
          : `${pipeline.sent} recorded by the sandbox, ${pipeline.deliveriesSent} deliveries 'sent', runFanOut → ${pipeline.result.state}`,
      ],
      ['pipeline time', `${pipeline.seconds.toFixed(2)} s${pipeline.partial ? ' (until the stop)' : ''}`],
      ['pipeline throughput', `${pipelineRate.toFixed(0)} sends/s`],
      [
        'pipeline CPU time',
        `engine ${pipeline.cpu.engine.toFixed(1)} s, FerretDB ${pipeline.cpu.ferret.toFixed(1)} s, ` +
          (options.sandbox === 'child' ? `sandbox ${pipeline.cpu.sandbox.toFixed(1)} s` : 'sandbox in the bench process') +
          ` in ${(pipeline.partial?.wallSeconds ?? pipeline.seconds).toFixed(1)} s wall on ${os.availableParallelism()} CPUs`,
      ],
      ['pipeline runFanOut → first send', `${pipeline.firstSendMs.toFixed(1)} ms`],
      ['raw send loop', `${raw.ok} ok / ${raw.failed} failed of ${rawCount} in ${raw.seconds.toFixed(2)} s (sandbox recorded ${raw.recorded})`],
      ['raw throughput', `${rawRate.toFixed(0)} sends/s (${((raw.cpuSeconds / Math.max(raw.ok, 1)) * 1e3).toFixed(3)} ms of the loop's CPU a send)`],
      ['ratio pipeline/raw', `${ratio.toFixed(3)}${pipeline.partial ? ' (from the partial run)' : ''}  (target ≥ 0.8: ${ratio >= 0.8 ? 'met' : 'NOT met'})`],
      ['floor (read, send, record)', `${floor.ok} ok / ${floor.failed} failed in ${floor.seconds.toFixed(2)} s: ${floorRate.toFixed(0)} sends/s (${((floor.cpuSeconds / Math.max(floor.ok, 1)) * 1e3).toFixed(3)} ms of its CPU a send); floor/raw ${(floorRate / rawRate).toFixed(3)}, pipeline/floor ${(pipelineRate / floorRate).toFixed(3)}`],
      [
        'publish → first send',
        `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, min ${sorted[0]!.toFixed(1)}, max ${sorted[sorted.length - 1]!.toFixed(1)} over ${sorted.length} publishes (warm-up ${latency.warmupMs.toFixed(1)} ms not counted; JOBS_POLL_MS ${config.jobs.pollMs}; matching subscriptions at ${latency.matchingBuckets.join(',')} in scan order)  (target p50 < 500: ${p50 < 500 ? 'met' : 'NOT met'})`,
      ],
      [
        'engine peak RSS (pipeline)',
        `${peakRss.toFixed(0)} MB (sampled every 100 ms: ${pipeline.memory.peakRssMb.toFixed(0)} MB over ${pipeline.memory.samples} samples; VmHWM since start: ${pipeline.memory.hwmMb?.toFixed(0) ?? 'n/a'} MB; RSS at start ${pipeline.memory.rssAtStartMb.toFixed(0)} MB; peak heap used ${pipeline.memory.peakHeapMb.toFixed(0)} MB)  (target < 256 MB at 1,000,000: ${n >= 1_000_000 ? (peakRss < 256 ? 'met' : 'NOT met') : `not measured at this N`})`,
      ],
      ['FerretDB peak RSS (pipeline)', `${(pipeline.memory.ferretHwmMb ?? pipeline.memory.peakFerretMb).toFixed(0)} MB (${pipeline.memory.ferretHwmMb !== undefined ? 'VmHWM since pipeline start' : 'sampled VmRSS'}; sampled peak ${pipeline.memory.peakFerretMb.toFixed(0)} MB)`],
      ['sandbox peak RSS', `${sandboxStats.peakRssMb.toFixed(0)} MB (${options.sandbox === 'child' ? 'child process, whole run' : 'same process'})`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    const lines = ['', 'gongkai fan-out benchmark (wechat-oa)', ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)];
    if (pipeline.dbTime) {
      const total = pipeline.dbTime.reduce((s, [, t]) => s + t.ms, 0);
      lines.push('', `  database commands during the pipeline (--db-timing): ${(total / 1000).toFixed(1)} s of ${pipeline.seconds.toFixed(1)} s wall`);
      for (const [key, t] of pipeline.dbTime.slice(0, 15)) {
        const k = Math.max(1, Math.min(5, Math.floor(t.calls.length / 4)));
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        lines.push(
          `    ${key.padEnd(26)} ${String(t.count).padStart(6)} calls ${(t.ms / 1000).toFixed(2).padStart(8)} s ${(t.ms / t.count).toFixed(1).padStart(9)} ms/call` +
            `  (first ${k}: ${avg(t.calls.slice(0, k)).toFixed(1)} ms, last ${k}: ${avg(t.calls.slice(-k)).toFixed(1)} ms)`,
        );
      }
    }
    lines.push('', `ratio=${ratio.toFixed(3)} first_send_p50_ms=${Math.round(p50)} peak_rss_mb=${Math.round(peakRss)}`);
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

if (process.argv.includes('--sandbox-child')) {
  await sandboxChild();
} else {
  const code = await main();
  // Agenda, pools and timers of a failed phase must not keep the process alive.
  process.exit(code);
}
