import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { connectDb } from '../../core/db.ts';
import { checkStaffPassword } from '../../core/staff/staff-accounts.ts';

const BIN = path.resolve('bin/gongkai.js');
const dbName = `t_cli_staff_${process.pid}`;
const env = { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: `${inject('mongoUri')}${dbName}` };

function gongkai(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
}

describe('npx gongkai staff create | disable | reset', () => {
  it('creates the first admin with a generated password, disables and resets it, each printing one JSON object, audited as cli', async () => {
    expect(gongkai('agency', 'create', '--code', 'bj-haidian-zjw', '--name', '北京市海淀区住房和城乡建设委员会').status).toBe(0);
    const created = gongkai('staff', 'create', '--agency', 'bj-haidian-zjw', '--username', 'hd-admin', '--role', 'admin', '--name', '王主任');
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout.trim().split('\n')).toHaveLength(1);
    const first = JSON.parse(created.stdout) as { account: Record<string, unknown>; password: string };
    expect(first.account).toMatchObject({ username: 'hd-admin', agencyCode: 'bj-haidian-zjw', role: 'admin', displayName: '王主任', disabled: false });
    expect(first.password).toMatch(/^[A-Za-z0-9]{16}$/);

    const db = await connectDb({ uri: inject('mongoUri'), dbName });
    try {
      expect(await checkStaffPassword(db, 'hd-admin', first.password)).toMatchObject({ role: 'admin' });
      expect(JSON.stringify(await db.collection('staff_accounts').findOne({}))).not.toContain(first.password);

      const disabled = gongkai('staff', 'disable', 'hd-admin');
      expect(disabled.status, disabled.stderr).toBe(0);
      expect(JSON.parse(disabled.stdout).account.disabled).toBe(true);
      expect(await checkStaffPassword(db, 'hd-admin', first.password)).toBeUndefined();

      const reset = gongkai('staff', 'reset', 'hd-admin');
      expect(reset.status, reset.stderr).toBe(0);
      const second = JSON.parse(reset.stdout) as { account: { disabled: boolean }; password: string };
      expect(second.account.disabled).toBe(false);
      expect(await checkStaffPassword(db, 'hd-admin', first.password)).toBeUndefined();
      expect(await checkStaffPassword(db, 'hd-admin', second.password)).toMatchObject({ username: 'hd-admin' });
      const actions = (await db.collection('audit').find({ subject: 'hd-admin' }).toArray()).map((a) => `${a.action}:${a.actor.kind}`).sort();
      expect(actions).toEqual(['staff.create:cli', 'staff.disable:cli', 'staff.reset:cli']);

      const dup = gongkai('staff', 'create', '--agency', 'bj-haidian-zjw', '--username', 'hd-admin', '--role', 'publisher');
      expect(dup.status).toBe(1);
      expect(dup.stderr.trim()).toBe('gongkai: username hd-admin is taken');
      const unknown = gongkai('staff', 'disable', 'nobody');
      expect(unknown.stderr.trim()).toBe('gongkai: no staff account nobody');
      const bad = gongkai('staff', 'create', '--agency', 'bj-haidian-zjw', '--username', 'Bad Name', '--role', 'admin');
      expect(bad.status).toBe(1);
      expect(bad.stderr).toContain('invalid');
    } finally {
      await db.dropDatabase();
      await db.close();
    }
  });
});
