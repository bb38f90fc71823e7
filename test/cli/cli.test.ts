import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort, isListening } from '../../core/embedded/ferretdb-process.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = path.resolve('bin/gongkai.js');

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
  } catch {
    return 0;
  }
}

/** Runs `gongkai serve` as a real process, waits for /readyz 200, then stops it with SIGTERM. */
async function serveUntilReady(env: NodeJS.ProcessEnv, port: number) {
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => readyz(port), (status) => status === 200, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${output}`);
  }
  child.kill('SIGTERM');
  return { code: await exited, output: () => output };
}

describe('npx gongkai', () => {
  it('prints help naming the serve command', () => {
    const result = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: gongkai');
    expect(result.stdout).toContain('serve');
  });

  it('stops at start-up with one line naming a bad variable', () => {
    const result = spawnSync(process.execPath, [BIN, 'serve'], {
      encoding: 'utf8',
      env: cleanEnv({ PORT: 'eighty', MONGODB_URI: 'mongodb://127.0.0.1:1/x' }),
    });
    expect(result.status).toBe(78);
    expect(result.stderr.trim()).toBe('gongkai: invalid configuration: PORT must be a whole number between 0 and 65535');
    expect(result.stdout).toBe('');
  });

  it('serves /readyz on MONGODB_URI and shuts down cleanly on SIGTERM', async () => {
    const port = await freePort();
    const env = cleanEnv({ MONGODB_URI: `${inject('mongoUri')}cli_external`, PORT: String(port), LOG_LEVEL: 'info', READ_MODEL_FILE: path.join(os.tmpdir(), 'gongkai-test-read-model-cli_external.sqlite') });
    const { code, output } = await serveUntilReady(env, port);
    expect(code).toBe(0);
    expect(output()).toContain('"msg":"stopped"');
  });

  it('starts the embedded FerretDB itself when MONGODB_URI is unset, and stops it on exit', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-cli-db-'));
    const [port, dbPort] = [await freePort(), await freePort()];
    try {
      const env = cleanEnv({ PORT: String(port), EMBEDDED_DB_PORT: String(dbPort), EMBEDDED_DB_DIR: dataDir });
      const { code, output } = await serveUntilReady(env, port);
      expect(code).toBe(0);
      expect(output()).toContain('"startedHere":true');
      expect(await isListening('127.0.0.1', dbPort)).toBe(false);
      expect(await fs.readdir(path.join(dataDir, 'db'))).toContain('gongkai.sqlite');
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
