import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Connection } from 'mongoose';
import { afterAll, inject } from 'vitest';
import { connectDb } from '../../core/db.ts';
import { FERRETDB_BINARY } from '../../core/embedded/ferretdb-build.ts';
import { freePort, startFerretDB, type FerretDBHandle } from '../../core/embedded/ferretdb-process.ts';

/** The run's shared FerretDB; each caller gets a database of its own, dropped afterwards. */
export function testDbSettings(label: string) {
  const dbName = `t_${label.replace(/[^A-Za-z0-9]/g, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  return { uri: inject('mongoUri'), dbName };
}

export async function connectTestDb(label: string, options: { monitorCommands?: boolean } = {}): Promise<Connection> {
  const connection = await connectDb({ ...testDbSettings(label), ...options });
  afterAll(async () => {
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  });
  return connection;
}

const ownServers: (() => Promise<void>)[] = [];
// Registered while the test file is collected, not per call: a hook registered from inside a
// running test never runs, and servers started in tests outlived every test run.
afterAll(async () => {
  for (const stop of ownServers.splice(0)) await stop();
});

/** A FerretDB of the test's own, for tests that stop and restart the server; stopped after the file. */
export async function startOwnFerretDB(): Promise<FerretDBHandle & { dataDir: string; restart(): Promise<FerretDBHandle> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-own-db-'));
  const port = await freePort();
  let current = await startFerretDB({ binary: FERRETDB_BINARY, port, dataDir });
  ownServers.push(async () => {
    await current.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  return {
    dataDir,
    get uri() {
      return current.uri;
    },
    get port() {
      return current.port;
    },
    get pid() {
      return current.pid;
    },
    get logFile() {
      return current.logFile;
    },
    stop: () => current.stop(),
    restart: async () => {
      current = await startFerretDB({ binary: FERRETDB_BINARY, port, dataDir });
      return current;
    },
  };
}
