import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureIdIndexes, type IdIndexResult } from './id-index.ts';

export interface FerretDBOptions {
  binary: string;
  port: number;
  /** Holds the SQLite files (in `db/`), FerretDB's state, its log and the lock file. */
  dataDir: string;
  host?: string;
  startTimeoutMs?: number;
}

export interface FerretDBHandle {
  readonly uri: string;
  readonly port: number;
  readonly pid: number;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Another FerretDB already owns this data folder; starting a second one could corrupt it. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly ownerPid: number,
  ) {
    super(`FerretDB data folder ${dataDir} is in use by process ${ownerPid}; not starting a second server on it`);
  }
}

const LOCK_FILE = 'ferretdb.lock';

/** Starts FerretDB (SQLite handler, telemetry off) and resolves once it accepts connections. */
export async function startFerretDB(options: FerretDBOptions): Promise<FerretDBHandle> {
  const host = options.host ?? '127.0.0.1';
  const dataDir = path.resolve(options.dataDir);
  await fs.mkdir(path.join(dataDir, 'db'), { recursive: true });
  const lockPath = path.join(dataDir, LOCK_FILE);
  acquireLock(lockPath, dataDir);

  let child: ChildProcess | undefined;
  try {
    // Before the server runs (we hold the lock), so no write of its waits for an index build.
    indexIdLookups(dataDir);
    const logFile = path.join(dataDir, 'ferretdb.log');
    const log = await fs.open(logFile, 'a');
    const debugPort = await freePort();
    child = spawn(
      options.binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${path.join(dataDir, 'db')}/`,
        `--state-dir=${dataDir}`,
        `--listen-addr=${host}:${options.port}`,
        `--debug-addr=127.0.0.1:${debugPort}`,
        '--telemetry=disable',
        '--log-level=WARN',
      ],
      // Its own process group: a terminal's Ctrl-C reaches gongkai, which stops the
      // database last, after requests and jobs have finished with it.
      { stdio: ['ignore', log.fd, log.fd], detached: true },
    );
    await log.close();
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.once('error', () => undefined);
    if (!child.pid) throw new Error(`could not start ${options.binary}`);
    // The lock names the server, not us: if this process dies, the server still owns the data.
    writeFileSync(lockPath, String(child.pid));

    const ready = await Promise.race([
      waitForPort(host, options.port, options.startTimeoutMs ?? 30_000).then(() => true),
      exited.then(() => false),
    ]);
    if (!ready) {
      throw new Error(`FerretDB exited during start-up; see ${logFile}:\n${await tail(logFile)}`);
    }
    const pid = child.pid;
    const running = child;
    let stopping: Promise<void> | undefined;
    return {
      uri: `mongodb://${host}:${options.port}/`,
      port: options.port,
      pid,
      logFile,
      stop: () => (stopping ??= stopChild(running, exited).finally(() => releaseLock(lockPath, pid))),
    };
  } catch (error) {
    child?.kill('SIGKILL');
    releaseLock(lockPath, child?.pid ?? process.pid);
    throw error;
  }
}

/**
 * Indexes FerretDB's `_id` lookups in every collection of the data folder (see id-index.ts).
 * Safe while the server runs: call it again after creating collections. Warnings go to its log.
 */
export function indexIdLookups(dataDir: string): IdIndexResult {
  const result = ensureIdIndexes(dataDir);
  for (const warning of result.warnings) {
    appendFileSync(path.join(dataDir, 'ferretdb.log'), `gongkai id-index: ${warning}\n`);
  }
  return result;
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Exclusive create, so two starters racing on one folder cannot both win. */
function acquireLock(lockPath: string, dataDir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && isAlive(owner)) throw new DataDirLockedError(dataDir, owner);
      unlinkSync(lockPath); // left by a process that died; the data is not in use
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

function releaseLock(lockPath: string, pid: number): void {
  try {
    if (readFileSync(lockPath, 'utf8').trim() === String(pid)) unlinkSync(lockPath);
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when something accepts TCP connections at host:port. */
export function isListening(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await isListening(host, port))) {
    if (Date.now() > deadline) throw new Error(`nothing is listening on ${host}:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** A port the kernel just handed out; free unless another process grabs it first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}
