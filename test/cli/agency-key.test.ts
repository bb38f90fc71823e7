import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { authenticateKey } from '../../core/agencies/api-keys.ts';
import { connectDb } from '../../core/db.ts';

const BIN = path.resolve('bin/gongkai.js');
const dbName = `t_cli_keys_${process.pid}`;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: `${inject('mongoUri')}${dbName}` };

function gongkai(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
}

describe('npx gongkai agency / key', () => {
  it('creates an agency and a key, each printing one JSON object', async () => {
    const agency = gongkai('agency', 'create', '--code', 'bj-haidian-zjw', '--name', '北京市海淀区住房和城乡建设委员会', '--region', '110108');
    expect(agency.status, agency.stderr).toBe(0);
    expect(JSON.parse(agency.stdout)).toEqual({ code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' });

    const key = gongkai('key', 'create', '--agency', 'bj-haidian-zjw', '--role', 'publisher');
    expect(key.status, key.stderr).toBe(0);
    expect(key.stdout.trim().split('\n')).toHaveLength(1);
    const created = JSON.parse(key.stdout) as { apiKey: string; keyId: string; role: string };
    expect(created.apiKey).toMatch(/^gk_[0-9a-f]{16}_[0-9a-f]{64}$/);

    const db = await connectDb({ uri: inject('mongoUri'), dbName });
    try {
      expect(await authenticateKey(db, created.apiKey)).toMatchObject({ agencyCode: 'bj-haidian-zjw', role: 'publisher' });
      const stored = await db.collection('api_keys').findOne({ keyId: created.keyId });
      expect(JSON.stringify(stored)).not.toContain(created.apiKey.slice(20));
      expect(await db.collection('audit').countDocuments({ action: 'key.create', subject: created.keyId })).toBe(1);

      const revoke = gongkai('key', 'revoke', created.keyId);
      expect(revoke.status, revoke.stderr).toBe(0);
      await expect(authenticateKey(db, created.apiKey)).rejects.toThrow('API key revoked');
    } finally {
      await db.dropDatabase();
      await db.close();
    }
  });

  it('refuses a duplicate agency, an unknown agency and an unknown role with one clear line', () => {
    gongkai('agency', 'create', '--code', 'dup-agency', '--name', '重复机关');
    const dup = gongkai('agency', 'create', '--code', 'dup-agency', '--name', '重复机关');
    expect(dup.status).toBe(1);
    expect(dup.stderr.trim()).toBe('gongkai: agency dup-agency already exists');
    const unknown = gongkai('key', 'create', '--agency', 'nobody', '--role', 'publisher');
    expect(unknown.stderr.trim()).toBe('gongkai: no agency with code nobody');
    const role = gongkai('key', 'create', '--agency', 'dup-agency', '--role', 'root');
    expect(role.status).not.toBe(0);
    expect(role.stderr).toContain("Allowed choices are admin, publisher, press");
    const badCode = gongkai('agency', 'create', '--code', 'Bad Code', '--name', '机关');
    expect(badCode.status).toBe(1);
    expect(badCode.stderr.trim()).toBe('gongkai: invalid code: must be 2-40 lowercase letters, digits or -');
  });
});
