import { Types, type Connection } from 'mongoose';
import request from 'supertest';
import { afterAll } from 'vitest';
import { createApp, type AppDeps } from '../../api/app.ts';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { SANDBOX_WEBHOOK_SECRET } from '../../channels/sandbox/start-local.ts';
import { SANDBOX_MP_MAPPING, SANDBOX_OA_MAPPING } from '../../channels/wechat/template-mapping.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { loadConfig } from '../../core/config.ts';
import type { FanOutDeps } from '../../core/fanout/deps.ts';
import { fanOutDeps } from '../../core/fanout/wiring.ts';
import { createMetrics } from '../../core/metrics.ts';
import { consentCollection, consentId } from '../../core/models/consent.model.ts';
import { subscriberCollection } from '../../core/models/subscriber.model.ts';
import { newSubscription, subscriptionCollection, type SubscriptionRecord } from '../../core/models/subscription.model.ts';
import { createSessions } from '../../core/residents/session.ts';
import { createServices } from '../../core/services.ts';
import { createMassBudget } from '../../core/wechat-state/mass-budget.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { enqueueFanOut } from '../../jobs/fan-out.job.ts';
import { queueDepth } from '../../jobs/queue.ts';
import { startQueue } from '../../jobs/worker.ts';
import { connectTestDb } from './db.ts';
import { captureLogs } from './logs.ts';
import { BASE_URL } from './registry.ts';
import { testReadModel } from './read-model.ts';

export const OA_CALLBACK_TOKEN = 'fanoutworldtoken';
export const WEIBO_SERVER_IP = '203.0.113.10';

/**
 * The environment a gongkai process needs to treat the sandbox as the real WeChat/Weibo APIs:
 * every account `live`, with complete credentials, its API base pointed at the sandbox.
 */
export function sandboxEnv(sandboxUrl: string): Record<string, string> {
  return {
    WECHAT_OA_MODE: 'live',
    WECHAT_MP_MODE: 'live',
    WEIBO_MODE: 'live',
    WEBHOOK_MODE: 'live',
    WECHAT_OA_TOKEN: OA_CALLBACK_TOKEN,
    WECHAT_API_BASE: sandboxUrl,
    WECHAT_OA_APPID: SANDBOX_APPS.oa.appId,
    WECHAT_OA_SECRET: SANDBOX_APPS.oa.secret,
    WECHAT_OA_TEMPLATE_ID: SANDBOX_APPS.oa.templateId,
    WECHAT_OA_TEMPLATE_MAP: JSON.stringify(SANDBOX_OA_MAPPING),
    WECHAT_MP_APPID: SANDBOX_APPS.mp.appId,
    WECHAT_MP_SECRET: SANDBOX_APPS.mp.secret,
    WECHAT_MP_TEMPLATE_ID: SANDBOX_APPS.mp.templateId,
    WECHAT_MP_TEMPLATE_MAP: JSON.stringify(SANDBOX_MP_MAPPING),
    WEIBO_API_BASE: sandboxUrl,
    WEIBO_ACCESS_TOKEN: SANDBOX_APPS.weiboToken,
    // rip of automatic posts (a documentation address, RFC 5737).
    WEIBO_SERVER_IP: WEIBO_SERVER_IP,
    WEBHOOK_URLS: `${sandboxUrl}/webhook/receive`,
    WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
  };
}

/**
 * The whole delivery path on real parts: the sandbox (WeChat, Weibo, webhook receiver) over
 * HTTP, channels configured with "credentials" pointing at it, the engine on a job queue
 * processing in this process, and the API that publishes.
 */
export async function fanOutWorld(label: string, env: Record<string, string> = {}, options: { monitorCommands?: boolean; app?: Partial<AppDeps> } = {}) {
  const db = await connectTestDb(label, options);
  const sandbox = await startSandbox({ webhookSecret: SANDBOX_WEBHOOK_SECRET });
  sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
  sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
  // Weibo only accepts links on the app's approved domain (10017 otherwise).
  sandbox.weibo.setSafeDomain([new URL(BASE_URL).hostname, '127.0.0.1']);
  const config = loadConfig({ ...sandboxEnv(sandbox.url), FANOUT_BATCH: '50', ...env });
  const { logger, lines } = captureLogs('warn');
  // Accounts are live against the sandbox unless `env` puts one in sandbox mode (then it uses the sandbox's apps).
  const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db), massBudget: createMassBudget(db), sandbox });
  const metrics = createMetrics(() => queueDepth(db.db!));
  const deps: FanOutDeps = { ...fanOutDeps(db, config.channels, wired, { baseUrl: BASE_URL, miniProgramPage: 'pages/detail/detail' }, logger, metrics), random: () => 0 };
  const queue = await startQueue({ db, role: 'all', pollMs: 200, logger, fanOut: deps });
  const services = createServices(db, { readModel: testReadModel(), logger, fanOutChannels: [...wired.channels.keys()], enqueueFanOut: enqueueFanOut(queue.agenda) });
  const residents = {
    db,
    sessions: createSessions('test-session-secret-0123456789abcdef'),
    wechat: wired.mpClient!,
    template: { templateId: wired.mp!.templateId, kind: config.channels.mpTemplateKind },
  };
  const wechatOaCallback = { appId: SANDBOX_APPS.oa.appId, token: OA_CALLBACK_TOKEN };
  const koa = createApp({
    logger,
    db,
    queue,
    services,
    metrics,
    residents,
    wechatOaCallback,
    bodyLimit: '1mb',
    publicBaseUrl: BASE_URL,
    trustProxy: true,
    ...options.app,
  });
  const app = koa.callback();
  afterAll(async () => {
    await queue.stop(2_000);
    await sandbox.close();
  });
  return { db, sandbox, deps, queue, services, metrics, logs: lines, http: () => request(app), config, app: koa };
}

let seq = 0;

/** A subscriber and one subscription; unset filters match anything. */
export async function subscribe(
  db: Connection,
  channel: 'wechat-oa' | 'wechat-mp',
  openid: string,
  filters: Partial<Pick<SubscriptionRecord, 'field' | 'itemType' | 'region' | 'agency' | 'projectCode' | 'applicationNumber' | 'keywords'>> = {},
) {
  const now = new Date();
  const appId = channel === 'wechat-oa' ? SANDBOX_APPS.oa.appId : SANDBOX_APPS.mp.appId;
  const existing = await subscriberCollection(db).findOne({ appId, openid });
  const subscriberId = existing?._id ?? new Types.ObjectId();
  if (!existing) {
    await subscriberCollection(db).insertOne({
      _id: subscriberId,
      appId,
      openid,
      kind: channel === 'wechat-oa' ? 'oa-follower' : 'mp-user',
      status: 'active',
      createdAt: now,
      updatedAt: now,
    });
  }
  await subscriptionCollection(db).insertOne({
    ...newSubscription({ subscriberId, channel, address: openid, appId }, filters, now),
    updatedAt: new Date(now.getTime() + seq++),
  });
}

/** What the resident granted in the mini-program, as the consent API will record it. */
export async function grantConsent(db: Connection, openid: string, kind: 'one-time' | 'long-term', remaining = 1) {
  const { appId, templateId } = SANDBOX_APPS.mp;
  await consentCollection(db).insertOne({
    _id: consentId(appId, openid, templateId),
    appId,
    openid,
    templateId,
    kind,
    remaining: kind === 'one-time' ? remaining : 0,
    revoked: false,
    updatedAt: new Date(),
  });
}
