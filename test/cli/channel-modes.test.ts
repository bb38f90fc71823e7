import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import { connectTestDb } from '../helpers/db.ts';
import { processEnv, processSandbox, spawnGongkai, startApiProcess } from '../helpers/processes.ts';
import { agencyWithKey } from '../helpers/registry.ts';

const db = await connectTestDb('channel_modes');
const sandbox = await processSandbox();
const { apiKey: adminKey } = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const { apiKey: publisherKey } = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');

/** A process on the test database with no channel variable at all, as on a fresh machine. */
const bareEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
  MONGODB_URI: `${inject('mongoUri')}${db.name}`,
  READ_MODEL_FILE: path.join(os.tmpdir(), `gongkai-test-read-model-${db.name}-bare.sqlite`),
  SANDBOX_PORT: '0',
  JOBS_POLL_MS: '200',
  ...extra,
});

const signedText = (token: string) =>
  signPush(
    { token, appId: SANDBOX_APPS.oa.appId },
    pushXml({ ToUserName: 'gh_sandbox', FromUserName: 'o-forger', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'text', Content: '订阅 住房 110108', MsgId: String(Date.now()) }),
    { now: new Date() },
  );

async function postPush(base: string, push: { query: Record<string, string>; body: string }) {
  return fetch(`${base}/wechat/oa?${new URLSearchParams(push.query)}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: push.body });
}

describe('a live account with missing credentials', () => {
  it('refuses to start, with one line naming what is missing and no value', async () => {
    const proc = spawnGongkai('api', bareEnv({ WECHAT_OA_MODE: 'live', WECHAT_OA_APPID: 'wx1234567890', WECHAT_OA_SECRET: 'very-secret-value' }));
    expect(await proc.exited).toBe(78);
    const stderr = proc.stderr.join('');
    expect(stderr).toBe('gongkai: invalid configuration: WECHAT_OA_MODE=live needs WECHAT_OA_TEMPLATE_ID, WECHAT_OA_TEMPLATE_MAP, WECHAT_OA_TOKEN\n');
    expect(stderr).not.toContain('very-secret-value');
  });
});

describe('a fresh machine: no channel variables, not production', () => {
  it('runs every account in sandbox mode, says so per channel, and signs the sandbox’s pushes with its own random token', async () => {
    const api = await startApiProcess(bareEnv());
    for (const channel of ['wechat-oa', 'wechat-mp', 'weibo', 'webhook']) {
      expect(api.logs.find((l) => l.msg === `channel ${channel}: sandbox`), channel).toMatchObject({ mode: 'sandbox', why: expect.stringMatching(/^nothing configured/) });
    }
    const sandboxUrl = (await api.waitForLog('accounts in sandbox mode use the local sandbox')).url as string;
    expect((await fetch(`${api.url}/sandbox/outbox`)).status).toBe(200);
    // A push signed with the old default token (or any guess) is refused, and subscribes no one.
    for (const token of ['sandboxtoken', 'fanoutworldtoken']) expect((await postPush(api.url, signedText(token))).status).toBe(401);
    expect(await db.collection('subscriptions').countDocuments({ address: 'o-forger' })).toBe(0);
    // The sandbox was told the process's token: a scan there reaches the callback, signed, and is accepted.
    const { access_token } = (await (
      await fetch(`${sandboxUrl}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: SANDBOX_APPS.oa.appId, secret: SANDBOX_APPS.oa.secret }),
      })
    ).json()) as { access_token: string };
    const { ticket } = (await (
      await fetch(`${sandboxUrl}/cgi-bin/qrcode/create?access_token=${access_token}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'sub1_housing_110108' } } }),
      })
    ).json()) as { ticket: string };
    const scan = (await (
      await fetch(`${sandboxUrl}/sandbox/admin/wechat/scan`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid: SANDBOX_APPS.oa.appId, ticket, openid: 'o-scanner' }),
      })
    ).json()) as { status: number };
    expect(scan.status).toBe(200);
    api.child.kill('SIGTERM');
    await api.exited;
  });
});

describe('NODE_ENV=production with an account in sandbox mode', () => {
  it('serves /sandbox/outbox and the sandbox’s own pages to admin keys only', async () => {
    const api = await startApiProcess(
      bareEnv({
        NODE_ENV: 'production',
        DATA_ENCRYPTION_KEY: 'a'.repeat(64),
        SESSION_SECRET: 'channel-modes-session-secret-0123456789ab',
        WECHAT_OA_MODE: 'off',
        WECHAT_MP_MODE: 'off',
        WEIBO_MODE: 'sandbox',
        WEBHOOK_MODE: 'off',
      }),
    );
    const sandboxUrl = (await api.waitForLog('accounts in sandbox mode use the local sandbox')).url as string;
    expect((await fetch(`${api.url}/sandbox/outbox`)).status).toBe(401);
    expect((await fetch(`${api.url}/sandbox/outbox`, { headers: { authorization: `Bearer ${publisherKey}` } })).status).toBe(403);
    expect((await fetch(`${api.url}/sandbox/outbox`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(200);
    expect((await fetch(`${sandboxUrl}/sandbox/outbox`)).status).toBe(401);
    expect((await fetch(`${sandboxUrl}/sandbox/admin/weibo/statuses`)).status).toBe(401);
    expect((await fetch(`${sandboxUrl}/sandbox/outbox`, { headers: { authorization: `Bearer ${publisherKey}` } })).status).toBe(401);
    expect((await fetch(`${sandboxUrl}/sandbox/outbox`, { headers: { authorization: `Bearer ${adminKey}` } })).status).toBe(200);
    // The OA is off: no callback at all.
    expect((await postPush(api.url, signedText('anything'))).status).toBe(404);
    api.child.kill('SIGTERM');
    await api.exited;
  });
});

describe('every account live', () => {
  it('serves no /sandbox/outbox, and refuses pushes not signed with WECHAT_OA_TOKEN', async () => {
    const api = await startApiProcess(processEnv(db, sandbox.url));
    expect(api.logs.find((l) => l.msg === 'accounts in sandbox mode use the local sandbox')).toBeUndefined();
    expect((await fetch(`${api.url}/sandbox/outbox`)).status).toBe(404);
    expect((await postPush(api.url, signedText('sandboxtoken'))).status).toBe(401);
    expect((await postPush(api.url, signedText('fanoutworldtoken'))).status).toBe(200);
    // No credential reached a log line.
    const logged = JSON.stringify(api.logs) + api.stderr.join('');
    for (const secret of ['fanoutworldtoken', SANDBOX_APPS.oa.secret, SANDBOX_APPS.mp.secret, SANDBOX_APPS.weiboToken]) expect(logged).not.toContain(secret);
    api.child.kill('SIGTERM');
    await api.exited;
  });
});
