import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Types, type Connection } from 'mongoose';
import { afterAll, inject } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { SANDBOX_WEBHOOK_SECRET } from '../../channels/sandbox/start-local.ts';
import { startSandbox, type Sandbox } from '../../channels/sandbox/server.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { newSubscription, subscriptionCollection } from '../../core/models/subscription.model.ts';
import { sandboxEnv } from './fanout.ts';
import { waitFor } from './wait.ts';

export const TEMPLATE_PATH = '/cgi-bin/message/template/send';

/** A `gongkai serve` process of the test's own, with its JSON log lines kept. */
export interface GongkaiProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Parsed stdout log lines (pino JSON). */
  readonly logs: Record<string, unknown>[];
  readonly stderr: string[];
  /** Resolves with the exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  /** The first log line with this `msg`, waiting for it (up to limitMs). */
  waitForLog(msg: string, limitMs?: number): Promise<Record<string, unknown>>;
}

const started: ChildProcess[] = [];
// Registered while the test file is collected: a hook registered from inside a running test
// never runs, and the processes of search-reindex-at-start outlived every test run.
const readModelFiles = new Set<string>();
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const file of readModelFiles) for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
});

/**
 * Spawns `node bin/gongkai.js serve [--api|--worker]` (or another entry, such as the built bundle)
 * with only the given environment (plus PATH and HOME), as an operator would start it. Processes
 * left running are killed after the file.
 */
export function spawnGongkai(role: 'all' | 'api' | 'worker', env: Record<string, string>, entry = 'bin/gongkai.js'): GongkaiProcess {
  const args = [path.resolve(entry), 'serve', ...(role === 'all' ? [] : [`--${role}`])];
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    pid: child.pid!,
    logs,
    stderr,
    exited,
    waitForLog: async (msg, limitMs = 120_000) => {
      const found = await waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`gongkai exited (${child.exitCode}) before logging "${msg}": ${stderr.join('')}`);
          return logs.find((l) => l.msg === msg);
        },
        Boolean,
        limitMs,
      );
      return found!;
    },
  };
}

/** The environment of a process on the test file's database, sending to the sandbox. */
export function processEnv(db: Connection, sandboxUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  readModelFiles.add(path.join(os.tmpdir(), `gongkai-test-read-model-${db.name}.sqlite`));
  return {
    MONGODB_URI: `${inject('mongoUri')}${db.name}`,
    // The processes of one test share a machine, so a read model file: one per database, in tmp.
    READ_MODEL_FILE: path.join(os.tmpdir(), `gongkai-test-read-model-${db.name}.sqlite`),
    ...sandboxEnv(sandboxUrl),
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    JOBS_POLL_MS: '200',
    // Several workers share the test machine: each its own free /metrics port.
    WORKER_METRICS_PORT: '0',
    ...extra,
  };
}

/** An API process on a free port; resolves once it listens. */
export async function startApiProcess(env: Record<string, string>, entry?: string) {
  const proc = spawnGongkai('api', { HOST: '127.0.0.1', PORT: '0', ...env }, entry);
  const listening = await proc.waitForLog('gongkai listening');
  const port = listening.port as number;
  return { ...proc, port, url: `http://127.0.0.1:${port}` };
}

/** A worker process; resolves once it takes jobs. */
export async function startWorkerProcess(env: Record<string, string>, entry?: string) {
  const proc = spawnGongkai('worker', env, entry);
  await proc.waitForLog('gongkai worker running');
  return proc;
}

/** 'refused' once nothing accepts connections on the port any more. */
export function connectOutcome(port: number): Promise<'accepted' | 'refused'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', () => resolve('refused'));
  });
}

/** The sandbox with the templates the configured channels use and the webhook secret. */
export async function processSandbox(): Promise<Sandbox> {
  const sandbox = await startSandbox({ webhookSecret: SANDBOX_WEBHOOK_SECRET });
  sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
  sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
  afterAll(() => sandbox.close());
  return sandbox;
}

/**
 * `count` official-account followers (`${prefix}-${i}`), each subscribed to the results that list
 * application number `applicationNumber`; written in bulk, since hundreds of single inserts are slow.
 */
export async function followers(db: Connection, sandbox: Sandbox, prefix: string, count: number, applicationNumber: string): Promise<string[]> {
  const { appId } = SANDBOX_APPS.oa;
  const now = new Date();
  const openids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const subscribers = openids.map((openid) => ({
    _id: new Types.ObjectId(),
    appId,
    openid,
    kind: 'oa-follower' as const,
    status: 'active' as const,
    createdAt: now,
    updatedAt: now,
  }));
  await subscriberCollection(db).insertMany(subscribers);
  await subscriptionCollection(db).insertMany(
    subscribers.map((s, i) => ({
      ...newSubscription({ subscriberId: s._id, channel: 'wechat-oa', address: s.openid, appId }, { applicationNumber }, now),
      updatedAt: new Date(now.getTime() + i),
    })),
  );
  for (const openid of openids) sandbox.wechat.addFollower(appId, openid);
  return openids;
}

/** Template sends the sandbox accepted, per recipient, for messages linking to one disclosure. */
export function templateSendsTo(sandbox: Sandbox, disclosureId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const entry of sandbox.outbox.list('wechat-oa')) {
    const body = entry.body as { touser?: string; url?: string; miniprogram?: { pagepath?: string } };
    if (entry.path !== TEMPLATE_PATH || !JSON.stringify(body).includes(disclosureId)) continue;
    counts.set(body.touser ?? '', (counts.get(body.touser ?? '') ?? 0) + 1);
  }
  return counts;
}

/** Webhook deliveries the sandbox's receiver verified, for one disclosure. */
export function webhooksFor(sandbox: Sandbox, disclosureId: string): number {
  return sandbox.outbox.list('webhook').filter((e) => JSON.stringify(e.body).includes(disclosureId)).length;
}
