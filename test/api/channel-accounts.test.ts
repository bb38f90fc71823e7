import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { channelAccounts, openSecrets, resealAccounts } from '../../core/channel-accounts/accounts.ts';
import { SealError, sealKeys } from '../../core/crypto/sealed.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { agencyWithKey, registryApp } from '../helpers/registry.ts';

const world = await registryApp('channel_accounts');
const { db, http, logs } = world;
const admin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const publisher = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
const otherAdmin = await agencyWithKey(db, 'bj-chaoyang-zjw', 'admin');

const SECRET = 'oa-app-secret-0123456789';
const TOKEN = 'haidianoatoken';
const liveOa = {
  channel: 'wechat-oa',
  id: 'haidian-oa',
  mode: 'live',
  publishesFor: ['bj-haidian-fgw'],
  appId: 'wx0123456789abcdef',
  templateId: 'tpl-haidian-1',
  mapping: { thing10: 'title', time5: 'date' },
  secrets: { secret: SECRET, token: TOKEN },
};

describe('channel accounts as data', () => {
  it('saves an agency’s account with its secrets sealed at rest, and never returns or logs them', async () => {
    const saved = await http().post('/api/v1/channel-accounts').set(admin.auth).send(liveOa);
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body).toMatchObject({ channel: 'wechat-oa', id: 'haidian-oa', owner: 'bj-haidian-zjw', mode: 'live', publishesFor: ['bj-haidian-fgw'], secrets: { secret: 'set', token: 'set' } });
    const read = await http().get('/api/v1/channel-accounts/wechat-oa/haidian-oa').set(admin.auth).expect(200);
    expect(read.body).toEqual(saved.body);
    // The stored document holds no secret in the clear; the sealed values open with the key only.
    const stored = await channelAccounts(db).findOne({ _id: 'bj-haidian-zjw/wechat-oa/haidian-oa' });
    const text = JSON.stringify(stored);
    for (const value of [SECRET, TOKEN]) {
      expect(text).not.toContain(value);
      expect(JSON.stringify(saved.body) + JSON.stringify(read.body) + logs.join('\n')).not.toContain(value);
    }
    expect(openSecrets(TEST_DATA_KEYS, stored!)).toEqual({ secret: SECRET, token: TOKEN });
    const audit = await db.collection('audit').findOne({ action: 'channel-account.save' });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
  });

  it('keeps stored secrets when a save leaves them out, and refuses live without complete credentials, naming each', async () => {
    const { secrets: _s, ...withoutSecrets } = liveOa;
    expect((await http().post('/api/v1/channel-accounts').set(admin.auth).send({ ...withoutSecrets, mapping: { thing10: 'title', time5: 'date', thing2: 'agency' } })).status).toBe(200);
    const incomplete = await http().post('/api/v1/channel-accounts').set(admin.auth).send({ channel: 'weibo', id: 'haidian-weibo', mode: 'live' });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['serverIp', 'secrets.accessToken']);
    const badMapping = await http().post('/api/v1/channel-accounts').set(admin.auth).send({ ...liveOa, mapping: { time5: 'title' } });
    expect(badMapping.status).toBe(400);
    expect(JSON.stringify(badMapping.body)).toMatch(/time5: a time key cannot hold title/);
    expect(JSON.stringify(badMapping.body)).not.toContain(SECRET);
    // A sandbox or off account needs no credentials.
    expect((await http().post('/api/v1/channel-accounts').set(admin.auth).send({ channel: 'weibo', id: 'haidian-weibo', mode: 'sandbox' })).status).toBe(200);
  });

  it('is for the agency’s admins only: other roles 403, another agency’s account 404', async () => {
    expect((await http().post('/api/v1/channel-accounts').set(publisher.auth).send(liveOa)).status).toBe(403);
    expect((await http().get('/api/v1/channel-accounts/wechat-oa/haidian-oa').set(otherAdmin.auth)).status).toBe(404);
    expect((await http().get('/api/v1/channel-accounts/wechat-oa/haidian-oa')).status).toBe(401);
  });

  it('rotates: reseal moves every secret to the new key, the old key still opens them until then', async () => {
    const rotated = sealKeys({ id: 'test2', key: Buffer.alloc(32, 9) }, [TEST_DATA_KEYS.current]);
    const before = (await channelAccounts(db).findOne({ _id: 'bj-haidian-zjw/wechat-oa/haidian-oa' }))!;
    expect(openSecrets(rotated, before)).toEqual({ secret: SECRET, token: TOKEN });
    expect(await resealAccounts(db, rotated)).toMatchObject({ resealed: 2 });
    expect(await resealAccounts(db, rotated)).toMatchObject({ resealed: 0 });
    const after = (await channelAccounts(db).findOne({ _id: 'bj-haidian-zjw/wechat-oa/haidian-oa' }))!;
    expect(openSecrets(sealKeys({ id: 'test2', key: Buffer.alloc(32, 9) }), after)).toEqual({ secret: SECRET, token: TOKEN });
    expect(() => openSecrets(TEST_DATA_KEYS, after)).toThrow(SealError);
  });

  it('the CLI saves an account from stdin, printing no secret, and reseals after a rotation', async () => {
    const run = (args: string[], input: string, env: Record<string, string>) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.resolve('bin/gongkai.js'), ...args], {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGODB_URI: `${inject('mongoUri')}${db.name}`, ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.once('exit', (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(input);
      });
    const key = { DATA_ENCRYPTION_KEY: '07'.repeat(32), DATA_ENCRYPTION_KEY_ID: 'test1' };
    const webhook = { channel: 'webhook', id: 'ggzy', mode: 'live', urls: ['https://ggzy.example.gov.cn/hook'], secrets: { secret: 'webhook-secret-0123456789' } };
    const saved = await run(['channels', 'account', 'save', '--agency', 'bj-haidian-zjw'], JSON.stringify(webhook), key);
    expect(saved.status, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ channel: 'webhook', id: 'ggzy', secrets: { secret: 'set' } });
    expect(saved.stdout + saved.stderr).not.toContain('webhook-secret-0123456789');
    const record = (await channelAccounts(db).findOne({ _id: 'bj-haidian-zjw/webhook/ggzy' }))!;
    expect(openSecrets(TEST_DATA_KEYS, record)).toEqual({ secret: 'webhook-secret-0123456789' });
    const resealed = await run(['channels', 'reseal'], '', { DATA_ENCRYPTION_KEY: '09'.repeat(32), DATA_ENCRYPTION_KEY_ID: 'test3', DATA_ENCRYPTION_PREVIOUS_KEYS: `test1:${'07'.repeat(32)},test2:${'09'.repeat(32)}` });
    expect(resealed.status, resealed.stderr).toBe(0);
    expect(JSON.parse(resealed.stdout)).toMatchObject({ resealed: expect.any(Number) });
    expect(JSON.parse(resealed.stdout).resealed).toBeGreaterThan(0);
  });
});
