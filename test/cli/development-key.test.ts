import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgency } from '../../core/agencies/agencies.ts';
import { connectDb } from '../../core/db.ts';
import { freePort } from '../../core/embedded/ferretdb-process.ts';
import { waitFor } from '../helpers/wait.ts';

const BIN = path.resolve('bin/gongkai.js');
const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-dev-key-'));
const keyFile = path.join(dataDir, 'keys', 'data-encryption.key');
const [port, dbPort, sandboxPort] = [await freePort(), await freePort(), await freePort()];
afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

const body = {
  agency: 'bj-haidian-zjw',
  requester: { type: 'natural', name: '张晓明', idType: 'resident-id', idNumber: '11010519491231002X', contact: { phone: '13800138000' } },
  description: '2026年海淀区公共租赁住房第三批分配的摇号过程记录',
  delivery: 'email',
};
const api = (p: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${p}`, init);
const submit = () => api('/api/v1/requests', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** `gongkai serve` on the embedded default in its own data folder, without DATA_ENCRYPTION_KEY. */
async function serve(extra: Record<string, string> = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), EMBEDDED_DB_PORT: String(dbPort), EMBEDDED_DB_DIR: dataDir, SANDBOX_PORT: String(sandboxPort), ...extra };
  const child = spawn(process.execPath, [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = () => api('/readyz').then((r) => r.status, () => 0);
  try {
    await Promise.race([
      waitFor(ready, (status) => status === 200, 60_000),
      exited.then((code) => Promise.reject(new Error(`serve exited with ${String(code)}`))),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    warnings: () => output.split('\n').filter((line) => line.includes('"level":40')),
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('npm start without DATA_ENCRYPTION_KEY', () => {
  it('with NODE_ENV=production: generates nothing, refuses requests (503) and says so at start', { timeout: 60_000 }, async () => {
    // Production names every channel's mode; none is needed here.
    const service = await serve({ NODE_ENV: 'production', WECHAT_OA_MODE: 'off', WECHAT_MP_MODE: 'off', WEIBO_MODE: 'off', WEBHOOK_MODE: 'off' });
    try {
      const db = await connectDb({ uri: `mongodb://127.0.0.1:${dbPort}/`, dbName: 'gongkai' });
      await createAgency(db, { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' }).finally(() => db.close());
      const res = await submit();
      expect(res.status).toBe(503);
      expect(JSON.stringify(await res.json())).toContain('DATA_ENCRYPTION_KEY');
    } finally {
      await service.stop();
    }
    // Read once the process is gone: its last lines may still be in the pipe before.
    expect(service.warnings().filter((line) => line.includes('DATA_ENCRYPTION_KEY is not set (NODE_ENV=production'))).toHaveLength(1);
    await expect(fs.stat(path.join(dataDir, 'keys'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('on the embedded default: generates a key in the data folder (0600), takes requests, and a restart reads them with it', { timeout: 60_000 }, async () => {
    const first = await serve();
    let receipt: { receiptNumber: string; accessCode: string };
    try {
      const res = await submit();
      expect(res.status).toBe(201);
      receipt = (await res.json()) as typeof receipt;
    } finally {
      await first.stop();
    }
    expect((await fs.stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = (await fs.readFile(keyFile, 'utf8')).trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const lines = first.warnings().filter((line) => line.includes('development data key'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('generated a development data key');
    expect(lines[0]).toContain(keyFile);
    expect(lines[0]).toContain('production must set DATA_ENCRYPTION_KEY');
    expect(first.output()).not.toContain(key);

    const second = await serve();
    try {
      const status = await api(`/api/v1/requests/${receipt.receiptNumber}/status?code=${receipt.accessCode}`);
      expect(status.status).toBe(200);
      expect(JSON.stringify(await status.json())).toContain('张*明');
    } finally {
      await second.stop();
    }
    expect((await fs.readFile(keyFile, 'utf8')).trim()).toBe(key);
    expect(second.warnings().filter((line) => line.includes('using the development data key'))).toHaveLength(1);
  });
});
