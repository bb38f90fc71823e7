import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { freePort, startFerretDB } from '../core/embedded/ferretdb-process.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

/** One real FerretDB for the whole run, on a free port and a fresh data folder. */
export default async function setup(project: TestProject) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-test-db-'));
  const server = await startFerretDB({ binary: await ensureFerretDB(), port: await freePort(), dataDir });
  project.provide('mongoUri', server.uri);
  return async () => {
    await server.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
