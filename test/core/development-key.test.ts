import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { loadOrCreateDevelopmentKey, startupDataKeys } from '../../core/crypto/development-key.ts';

const KEY = 'a'.repeat(64);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-dev-key-unit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One Node process that loads or creates the key in `file` and prints it. */
function keyFromProcess(file: string): Promise<string> {
  const script = `const m = await import(${JSON.stringify(path.resolve('core/crypto/development-key.ts'))}); process.stdout.write(m.loadOrCreateDevelopmentKey(${JSON.stringify(file)}).key.toString('hex'));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`)))));
}

describe('the development data key', () => {
  it('is offered only on the embedded default without DATA_ENCRYPTION_KEY, outside production', () => {
    expect(loadConfig({}, '/srv/gongkai').developmentKeyFile).toBe('/srv/gongkai/data/ferretdb/keys/data-encryption.key');
    expect(loadConfig({ EMBEDDED_DB_DIR: '/var/lib/g' }).developmentKeyFile).toBe('/var/lib/g/keys/data-encryption.key');
    expect(loadConfig({ MONGODB_URI: 'mongodb://db1/prod' }).developmentKeyFile).toBeUndefined();
    expect(loadConfig({ DATA_ENCRYPTION_KEY: KEY }).developmentKeyFile).toBeUndefined();
    const production = { NODE_ENV: 'production', WECHAT_OA_MODE: 'off', WECHAT_MP_MODE: 'off', WEIBO_MODE: 'off', WEBHOOK_MODE: 'off' };
    expect(loadConfig(production).developmentKeyFile).toBeUndefined();
    expect(startupDataKeys(loadConfig(production))).toEqual({ warning: expect.stringContaining('DATA_ENCRYPTION_KEY is not set (NODE_ENV=production') });
    expect(startupDataKeys(loadConfig({ MONGODB_URI: 'mongodb://db1/prod' })).warning).toContain('MONGODB_URI is set');
    expect(startupDataKeys(loadConfig({ DATA_ENCRYPTION_KEY: KEY }))).toEqual({ keys: expect.anything() });
  });

  it('is made once, mode 0600, and read back; processes starting together agree on one', async () => {
    const file = path.join(dir, 'together', 'keys', 'data-encryption.key');
    const keys = await Promise.all([1, 2, 3, 4].map(() => keyFromProcess(file)));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['data-encryption.key']);
    expect(loadOrCreateDevelopmentKey(file)).toEqual({ key: Buffer.from(keys[0]!, 'hex'), created: false });
  });

  it('is never replaced when the file is damaged', () => {
    const file = path.join(dir, 'damaged.key');
    fs.writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => loadOrCreateDevelopmentKey(file)).toThrow(`${file} does not hold a 32-byte key`);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});
