import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { Types } from 'mongoose';
import { afterAll } from 'vitest';
import { createApp } from '../../api/app.ts';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { SANDBOX_WEBHOOK_SECRET } from '../../channels/sandbox/start-local.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { createApiKey, revokeApiKey } from '../../core/agencies/api-keys.ts';
import { loadConfig } from '../../core/config.ts';
import { ROLES, type Role } from '../../core/models/api-key.model.ts';
import { createSessions } from '../../core/residents/session.ts';
import { createServices } from '../../core/services.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { testDbSettings } from './db.ts';
import { watchWrites } from './fuzz-invariants.ts';
import { OA_CALLBACK_TOKEN, sandboxEnv } from './fanout.ts';
import { captureLogs } from './logs.ts';
import { allocationResult, BASE_URL } from './registry.ts';
import { testReadModel } from './read-model.ts';
import { TEST_DATA_KEYS } from './data-keys.ts';

/** Small, so bodies "beyond the limit" stay cheap to generate and send. */
export const FUZZ_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The whole API on a database of its own, listening on a real port (so odd paths and raw
 * bytes reach Koa unaltered), with keys of every role in two agencies, a signed-in resident,
 * the official-account callback, and a few real disclosures whose ids the fuzzer reuses.
 */
export async function fuzzWorld(label: string) {
  // Like connectTestDb, with the driver's command events on, to see every write a request makes.
  const { uri, dbName } = testDbSettings(label);
  const db = await mongoose.createConnection(uri, { dbName, monitorCommands: true, bufferCommands: false }).asPromise();
  afterAll(async () => {
    await db.dropDatabase().catch(() => undefined);
    await db.close();
  });
  const writes = watchWrites(db);
  const sandbox = await startSandbox({ webhookSecret: SANDBOX_WEBHOOK_SECRET });
  const config = loadConfig(sandboxEnv(sandbox.url));
  const { logger, lines } = captureLogs('error');
  const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db) });
  const services = createServices(db, { readModel: testReadModel(), logger, now: () => new Date('2026-10-09T10:00:00+08:00'), dataKeys: TEST_DATA_KEYS });
  const sessions = createSessions('fuzz-session-secret-0123456789abcdef');
  const oaCallback = { appId: SANDBOX_APPS.oa.appId, token: OA_CALLBACK_TOKEN };
  const app = createApp({
    logger,
    db,
    queue: { processing: true, takesJobs: true },
    services,
    residents: { db, sessions, wechat: wired.mpClient!, template: { templateId: wired.mp!.templateId, kind: 'one-time' } },
    wechatOaCallback: oaCallback,
    bodyLimit: `${FUZZ_BODY_LIMIT_BYTES / 1024}kb`,
    publicBaseUrl: BASE_URL,
    publicRateLimit: 1_000_000,
    agencyRateLimit: 1_000_000,
  });
  const server = http.createServer(app.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await sandbox.close();
  });

  const keys = new Map<string, string>();
  for (const [agency, code] of [['own', 'fuzz-own-zjw'], ['other', 'fuzz-other-zjw']] as const) {
    await createAgency(db, { code, name: `${code} 住房和城乡建设委员会` });
    for (const role of ROLES) keys.set(`${agency}:${role}`, (await createApiKey(db, { agencyCode: code, role })).apiKey);
  }
  const revoked = await createApiKey(db, { agencyCode: 'fuzz-own-zjw', role: 'admin' });
  await revokeApiKey(db, revoked.keyId);
  const expired = await createApiKey(db, { agencyCode: 'fuzz-own-zjw', role: 'admin', expiresAt: new Date('2020-01-01T00:00:00Z') });

  let logins = 0;
  let residentHeader = '';
  /** A live resident session; logs in again after a fuzzed DELETE /api/v1/me removed the last one. */
  async function residentSession(): Promise<string> {
    const id = residentHeader.split('.')[1];
    if (id && (await db.collection('subscribers').countDocuments({ _id: new Types.ObjectId(id) })) > 0) return residentHeader;
    const code = `fuzz-code-${++logins}`;
    sandbox.wechat.issueCode(SANDBOX_APPS.mp.appId, code, `fuzz-resident-${logins}`);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/mp/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    if (res.status !== 200) throw new Error(`resident login failed: ${res.status} ${await res.text()}`);
    residentHeader = `Bearer ${((await res.json()) as { token: string }).token}`;
    return residentHeader;
  }

  // Real disclosures (a draft and a published one) so fuzzed ids sometimes hit something.
  const post = async (path: string, body: unknown, key: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`seeding ${path} failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const publisher = keys.get('own:publisher')!;
  const draft = await post('/api/v1/disclosures', allocationResult({ title: '草稿：海淀区公共租赁住房分配结果' }), publisher);
  // A third agency's draft: no key the fuzzer holds may see it, whatever the requests do.
  await createAgency(db, { code: 'fuzz-third-zjw', name: '第三区住房和城乡建设委员会' });
  const secretTitle = '第三区未公开草稿：公共租赁住房分配结果';
  const thirdKey = (await createApiKey(db, { agencyCode: 'fuzz-third-zjw', role: 'publisher' })).apiKey;
  const secret = await post('/api/v1/disclosures', allocationResult({ title: secretTitle }), thirdKey);
  const published = await post('/api/v1/disclosures', allocationResult(), publisher);
  await post(`/api/v1/disclosures/${published.id}/publish`, {}, publisher);

  return {
    db,
    port,
    logs: lines,
    /** `command collection` of every write that changed something, in order. */
    writes,
    oaCallback,
    ids: { draft: draft.id, published: published.id, secret: secret.id },
    secretTitle,
    key: (agency: 'own' | 'other', role: Role) => `Bearer ${keys.get(`${agency}:${role}`)!}`,
    invalidKeys: {
      revoked: `Bearer ${revoked.apiKey}`,
      expired: `Bearer ${expired.apiKey}`,
      forgedSession: 'Bearer ms1.0123456789abcdef01234567.1999999999.' + 'A'.repeat(43),
    },
    residentSession,
  };
}

export type FuzzWorld = Awaited<ReturnType<typeof fuzzWorld>>;
