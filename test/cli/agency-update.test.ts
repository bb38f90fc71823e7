import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createAgency } from '../../core/agencies/agencies.ts';
import { authenticateKey } from '../../core/agencies/api-keys.ts';
import { connectDb } from '../../core/db.ts';
import { requiresReview } from '../../core/disclosures/review.ts';

const BIN = path.resolve('bin/gongkai.js');
const dbName = `t_cli_agency_update_${process.pid}`;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: `${inject('mongoUri')}${dbName}` };
// Each command is a fresh Node process compiling TypeScript: seconds each on a busy machine.
const SLOW = 120_000;

function gongkai(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
}

const db = await connectDb({ uri: inject('mongoUri'), dbName });
afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});
await createAgency(db, { code: 'bj-dongcheng-zjw', name: '北京市东城区住房和城乡建设委员会', region: '110101' });

describe('npx gongkai agency update', () => {
  it('turns 先审后发 on and off, printing the agency and auditing each change', { timeout: SLOW }, async () => {
    const on = gongkai('agency', 'update', '--code', 'bj-dongcheng-zjw', '--require-review');
    expect(on.status, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toEqual({ code: 'bj-dongcheng-zjw', name: '北京市东城区住房和城乡建设委员会', region: '110101', requireReview: true });
    expect(await requiresReview(db, 'bj-dongcheng-zjw')).toBe(true);

    const off = gongkai('agency', 'update', '--code', 'bj-dongcheng-zjw', '--no-require-review', '--name', '北京市东城区住房和城乡建设委员会（住房保障）');
    expect(off.status, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ requireReview: false, name: '北京市东城区住房和城乡建设委员会（住房保障）' });
    expect(await requiresReview(db, 'bj-dongcheng-zjw')).toBe(false);

    const audit = await db.collection('audit').find({ action: 'agency.update', agencyCode: 'bj-dongcheng-zjw' }).sort({ at: 1 }).toArray();
    expect(audit.map((a) => [a.actor.kind, a.subject, a.detail])).toEqual([
      ['cli', 'bj-dongcheng-zjw', { before: { requireReview: false }, after: { requireReview: true } }],
      [
        'cli',
        'bj-dongcheng-zjw',
        {
          before: { name: '北京市东城区住房和城乡建设委员会', requireReview: true },
          after: { name: '北京市东城区住房和城乡建设委员会（住房保障）', requireReview: false },
        },
      ],
    ]);
  });

  it('refuses an unknown agency, or nothing to change, with one line and no audit entry', { timeout: SLOW }, async () => {
    const unknown = gongkai('agency', 'update', '--code', 'nobody', '--require-review');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toBe('gongkai: no agency with code nobody');
    const nothing = gongkai('agency', 'update', '--code', 'bj-dongcheng-zjw');
    expect(nothing.status).toBe(1);
    expect(nothing.stderr.trim()).toContain('gongkai: nothing to change');
    expect(await db.collection('audit').countDocuments({ action: 'agency.update', subject: 'nobody' })).toBe(0);
  });

  it('creates and revokes a reviewer key, each audited under the agency', { timeout: SLOW }, async () => {
    const created = gongkai('key', 'create', '--agency', 'bj-dongcheng-zjw', '--role', 'reviewer');
    expect(created.status, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout) as { apiKey: string; keyId: string };
    expect(await authenticateKey(db, key.apiKey)).toMatchObject({ agencyCode: 'bj-dongcheng-zjw', role: 'reviewer' });
    const revoked = gongkai('key', 'revoke', key.keyId);
    expect(revoked.status, revoked.stderr).toBe(0);
    const audit = await db.collection('audit').find({ subject: key.keyId }).sort({ at: 1 }).toArray();
    expect(audit.map((a) => [a.action, a.agencyCode, a.detail.role])).toEqual([
      ['key.create', 'bj-dongcheng-zjw', 'reviewer'],
      ['key.revoke', 'bj-dongcheng-zjw', 'reviewer'],
    ]);
  });
});
