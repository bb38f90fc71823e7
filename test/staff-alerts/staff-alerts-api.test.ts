import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { openTargetSecrets, staffAlertTargets } from '../../core/staff-alerts/targets.ts';
import { staffAlertNotifications } from '../../core/staff-alerts/notify.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { agencyWithKey, registryApp } from '../helpers/registry.ts';

const world = await registryApp('staff_alerts_api');
const { db, http, logs } = world;
const admin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const press = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const publisher = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
const otherAdmin = await agencyWithKey(db, 'bj-chaoyang-zjw', 'admin');

const WECOM_KEY = '693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa';
const DING_TOKEN = 'ding-access-token-0123456789';
const DING_SECRET = 'SEC0123456789abcdefghijklmnop';
const OA_SECRET = 'oa-app-secret-for-staff-0123';
const wecom = { kind: 'wecom-robot', id: 'duty', name: '新闻办值班群', mode: 'live', secrets: { key: WECOM_KEY } };
const ding = { kind: 'dingtalk-robot', id: 'duty', mode: 'live', keywords: ['舆情'], events: ['spike', 'task-due'], secrets: { accessToken: DING_TOKEN, secret: DING_SECRET } };
const oa = { kind: 'wechat-oa-staff', id: 'officer-wang', mode: 'live', openid: 'o-officer-wang-01', appId: 'wx0123456789abcdef', templateId: 'tpl-staff-alert', mapping: { thing1: 'title', thing2: 'detail', time3: 'time' }, secrets: { secret: OA_SECRET } };
const SECRETS = [WECOM_KEY, DING_TOKEN, DING_SECRET, OA_SECRET];

describe('staff alert targets as data', () => {
  it('an admin saves each kind with its secrets sealed, and no answer, log or audit entry carries them', async () => {
    const answers: unknown[] = [];
    for (const body of [wecom, ding, oa]) {
      const res = await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      answers.push(res.body);
    }
    expect(answers[0]).toMatchObject({ kind: 'wecom-robot', id: 'duty', owner: 'bj-haidian-zjw', name: '新闻办值班群', mode: 'live', events: ['spike', 'task-due', 'watchdog'], secrets: { key: 'set' }, missingForLive: [] });
    expect(answers[1]).toMatchObject({ keywords: ['舆情'], events: ['spike', 'task-due'], secrets: { accessToken: 'set', secret: 'set' } });
    expect(answers[2]).toMatchObject({ openid: 'o-officer-wang-01', appId: 'wx0123456789abcdef', secrets: { secret: 'set' } });
    const list = await http().get('/api/v1/staff-alerts/targets').set(admin.auth).expect(200);
    expect(list.body.items.map((t: { kind: string; id: string }) => `${t.kind}/${t.id}`)).toEqual(['dingtalk-robot/duty', 'wechat-oa-staff/officer-wang', 'wecom-robot/duty']);
    const one = await http().get('/api/v1/staff-alerts/targets/wecom-robot/duty').set(admin.auth).expect(200);
    expect(one.body).toEqual(answers[0]);
    const stored = await staffAlertTargets(db).find({}).toArray();
    const audit = await db.collection('audit').find({ action: 'staff-alert-target.save' }).toArray();
    expect(audit).toHaveLength(3);
    const visible = JSON.stringify(answers) + JSON.stringify(list.body) + JSON.stringify(one.body) + JSON.stringify(stored) + JSON.stringify(audit) + logs.join('\n');
    for (const secret of SECRETS) expect(visible).not.toContain(secret);
    const record = stored.find((t) => t._id === 'bj-haidian-zjw/dingtalk-robot/duty')!;
    expect(openTargetSecrets(TEST_DATA_KEYS, record)).toEqual({ accessToken: DING_TOKEN, secret: DING_SECRET });
  });

  it('keeps a stored secret when a save leaves it out; live without credentials is 400 naming each', async () => {
    const { secrets: _s, ...noSecrets } = ding;
    expect((await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send({ ...noSecrets, keywords: ['舆情', '值班'] })).status).toBe(200);
    const record = (await staffAlertTargets(db).findOne({ _id: 'bj-haidian-zjw/dingtalk-robot/duty' }))!;
    expect(openTargetSecrets(TEST_DATA_KEYS, record)).toEqual({ accessToken: DING_TOKEN, secret: DING_SECRET });
    const incomplete = await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send({ kind: 'dingtalk-robot', id: 'new-group', mode: 'live', secrets: { accessToken: DING_TOKEN } });
    expect(incomplete.status).toBe(400);
    expect(incomplete.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['secrets.secret']);
    const oaIncomplete = await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send({ kind: 'wechat-oa-staff', id: 'officer-li', mode: 'live', openid: 'o-officer-li-01' });
    expect(oaIncomplete.body.error.fields.map((f: { path: string }) => f.path)).toEqual(['appId', 'templateId', 'mapping', 'secrets.secret']);
    // Sandbox and off need nothing.
    expect((await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send({ kind: 'wecom-robot', id: 'test-group', mode: 'sandbox' })).status).toBe(200);
  });

  it('bad input is 400 naming the field, never echoing a secret', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kind: 'fax', id: 'duty', mode: 'live' }, 'kind'],
      [{ ...wecom, mode: 'on' }, 'mode'],
      [{ ...wecom, id: 'Duty Group' }, 'id'],
      [{ ...wecom, secrets: { key: 'k y' } }, 'secrets.key'],
      [{ ...ding, secrets: { secret: 'not-a-sec-secret' } }, 'secrets.secret'],
      [{ ...ding, keywords: Array.from({ length: 11 }, (_, i) => `词${i}`) }, 'keywords'],
      [{ ...wecom, events: ['everything'] }, 'events.0'],
      [{ ...oa, mapping: { time3: 'title' } }, 'mapping'],
      [{ ...oa, openid: '' }, 'openid'],
      [{ ...wecom, extra: true }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await http().post('/api/v1/staff-alerts/targets').set(admin.auth).send(body);
      expect(res.status, `${field}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.fields.map((f: { path: string }) => f.path)).toContain(field);
      for (const secret of SECRETS) expect(JSON.stringify(res.body)).not.toContain(secret);
    }
    expect((await http().get('/api/v1/staff-alerts/targets/fax/duty').set(admin.auth)).status).toBe(400);
    expect((await http().get('/api/v1/staff-alerts/notifications?limit=0').set(admin.auth)).status).toBe(400);
  });

  it('is for the agency’s admins only: other roles 403, no key 401', async () => {
    for (const key of [press, publisher]) {
      expect((await http().post('/api/v1/staff-alerts/targets').set(key.auth).send(wecom)).status).toBe(403);
      expect((await http().get('/api/v1/staff-alerts/targets').set(key.auth)).status).toBe(403);
      expect((await http().get('/api/v1/staff-alerts/notifications').set(key.auth)).status).toBe(403);
    }
    expect((await http().get('/api/v1/staff-alerts/targets')).status).toBe(401);
  });

  it('another agency neither reads nor changes them: its saves make targets of its own', async () => {
    expect((await http().get('/api/v1/staff-alerts/targets/wecom-robot/duty').set(otherAdmin.auth)).status).toBe(404);
    expect((await http().get('/api/v1/staff-alerts/targets').set(otherAdmin.auth)).body.items).toEqual([]);
    const theirs = await http().post('/api/v1/staff-alerts/targets').set(otherAdmin.auth).send({ ...wecom, mode: 'off', secrets: {} });
    expect(theirs.body).toMatchObject({ owner: 'bj-chaoyang-zjw', mode: 'off', secrets: {} });
    expect((await http().get('/api/v1/staff-alerts/targets/wecom-robot/duty').set(admin.auth)).body).toMatchObject({ owner: 'bj-haidian-zjw', mode: 'live', secrets: { key: 'set' } });
    await staffAlertNotifications(db).insertMany(
      ['bj-haidian-zjw', 'bj-chaoyang-zjw'].map((agencyCode) => ({
        _id: `spike:agency:${agencyCode}:2026-10-09T01:00:00.000Z@${agencyCode}/wecom-robot/duty`,
        agencyCode,
        targetId: `${agencyCode}/wecom-robot/duty`,
        targetKind: 'wecom-robot' as const,
        mode: 'live' as const,
        eventId: `spike:agency:${agencyCode}:2026-10-09T01:00:00.000Z`,
        eventKind: 'spike' as const,
        title: '【舆情预警】本机关公众反应出现异常',
        state: 'failed' as const,
        attempts: 1,
        nextAttemptAt: new Date(),
        lastError: { code: '93000', reason: 'WeCom 93000: 机器人 key 无效或机器人已被移出群聊', at: new Date() },
        createdAt: new Date(),
        updatedAt: new Date(),
      })),
    );
    const mine = await http().get('/api/v1/staff-alerts/notifications').set(admin.auth).expect(200);
    expect(mine.body.items.map((n: { agencyCode: string; id: string }) => n.agencyCode)).toEqual(['bj-haidian-zjw']);
    expect(mine.body.items[0]).toMatchObject({ state: 'failed', lastError: { code: '93000' } });
  });

  it('is documented in /openapi.json', async () => {
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/api/v1/staff-alerts/targets'])).toEqual(['post', 'get']);
    expect(doc.paths['/api/v1/staff-alerts/targets'].post['x-roles']).toEqual(['admin']);
    expect(doc.paths['/api/v1/staff-alerts/targets/{kind}/{id}'].get).toBeDefined();
    expect(doc.paths['/api/v1/staff-alerts/notifications'].get).toBeDefined();
  });

  it('the CLI saves and lists targets from stdin, printing no secret', async () => {
    const run = (args: string[], input: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.resolve('bin/gongkai.js'), ...args], {
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', MONGODB_URI: `${inject('mongoUri')}${db.name}`, DATA_ENCRYPTION_KEY: '07'.repeat(32), DATA_ENCRYPTION_KEY_ID: 'test1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
        child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
        child.once('exit', (status) => resolve({ status, stdout, stderr }));
        child.stdin.end(input);
      });
    const saved = await run(['alerts', 'target', 'save', '--agency', 'bj-xicheng-zjw'], JSON.stringify({ kind: 'wecom-robot', id: 'xc-duty', mode: 'sandbox', secrets: { key: 'cli-wecom-key-0123' } }));
    expect(saved.status, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ kind: 'wecom-robot', id: 'xc-duty', owner: 'bj-xicheng-zjw', secrets: { key: 'set' } });
    expect(saved.stdout + saved.stderr).not.toContain('cli-wecom-key-0123');
    const record = (await staffAlertTargets(db).findOne({ _id: 'bj-xicheng-zjw/wecom-robot/xc-duty' }))!;
    expect(openTargetSecrets(TEST_DATA_KEYS, record)).toEqual({ key: 'cli-wecom-key-0123' });
    const listed = await run(['alerts', 'target', 'list', '--agency', 'bj-xicheng-zjw'], '');
    expect(JSON.parse(listed.stdout).items.map((t: { id: string }) => t.id)).toEqual(['xc-duty']);
    const bad = await run(['alerts', 'target', 'save', '--agency', 'bj-xicheng-zjw'], JSON.stringify({ kind: 'wecom-robot', id: 'xc-duty', mode: 'live', secrets: { key: 'k y z' } }));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('invalid secrets.key');
    expect(bad.stderr).not.toContain('k y z');
  });
});
