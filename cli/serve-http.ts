import { createRequestNoticeSender } from '../channels/wechat/request-notice.ts';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { createApp } from '../api/app.ts';
import { listen, type HttpServer } from '../api/server.ts';
import { SANDBOX_APPS, type WiredChannels } from '../channels/registry.ts';
import type { LocalSandbox } from '../channels/sandbox/start-local.ts';
import { createWeiboReplier } from '../channels/weibo/weibo-reply.ts';
import type { Config } from '../core/config.ts';
import { checkTemplates } from '../core/channel-accounts/check-templates.ts';
import type { Metrics } from '../core/metrics.ts';
import type { OpinionCollectOptions } from '../core/opinion/collect/wiring.ts';
import { createSessions } from '../core/residents/session.ts';
import { reindexIfStale } from '../core/disclosures/reindex-search.ts';
import { createServices, type Services } from '../core/services.ts';
import type { ReadModel } from '../core/read-model/types.ts';
import type { StaffAlertWiring } from '../core/staff-alerts/senders.ts';
import { MP_SUBSCRIBE_PAGE } from '../core/wechat-qr/mp-codes.ts';
import { enqueueFanOut } from '../jobs/fan-out.job.ts';
import type { ProcessRole, Queue } from '../jobs/queue.ts';

export interface HttpWiring {
  config: Config;
  role: ProcessRole;
  db: Connection;
  queue: Queue;
  wired: WiredChannels;
  sandbox: LocalSandbox | undefined;
  metrics: Metrics;
  opinion: OpinionCollectOptions;
  readModel: ReadModel;
  logger: Logger;
  /** Staff alert targets' wiring, for their test send. */
  staffAlerts?: StaffAlertWiring;
}

/** The HTTP side of `serve` (roles `all` and `api`): services, the Koa app, the listener. */
export async function startHttp({ config, role, db, queue, wired, sandbox, metrics, opinion, readModel, logger, staffAlerts }: HttpWiring): Promise<{ server: HttpServer; services: Services }> {
  /** A WeChat push endpoint's settings: its app, token and key; openid pseudonyms keyed by SESSION_SECRET when set. */
  const pushEndpoint = (appId: string, callback: { token: string; aesKey?: string }) => ({
    appId,
    token: callback.token,
    ...(callback.aesKey ? { aesKey: callback.aesKey } : {}),
    ...(config.channels.sessionSecret ? { pseudonymKey: config.channels.sessionSecret } : {}),
  });
  const services = createServices(db, {
    readModel,
    logger,
    fanOutChannels: [...wired.channels.keys()],
    enqueueFanOut: enqueueFanOut(queue.agenda),
    ...(config.dataKeys ? { dataKeys: config.dataKeys } : {}),
    ...(wired.mp && wired.mpClient ? { requestNotices: { ...wired.mp, send: createRequestNoticeSender({ client: wired.mpClient, templateId: wired.mp.templateId }) } } : {}),
  });
  const oaCallback = config.channels.oaCallback;
  const mpCallback = config.channels.mpCallback;
  const app = createApp({
    logger,
    db,
    queue,
    services,
    metrics,
    // Only while some account is in sandbox mode (the sandbox runs only then); in production, admins only.
    ...(sandbox?.outbox ? { sandboxOutbox: sandbox.outbox, sandboxAdminOnly: config.channels.production } : {}),
    channelsCheck: () => checkTemplates(wired),
    ...(staffAlerts ? { staffAlerts } : {}),
    // The console's channel previews use the mappings the channels were built with.
    previewTemplates: Object.fromEntries(wired.templates.map((t) => [t.channel === 'wechat-oa' ? 'oa' : 'mp', t.mapping])),
    ...(config.channels.mpPage ? { miniProgramPage: config.channels.mpPage } : {}),
    // The mini-program's 消息推送 (consent switched off), with its own token; none when off.
    ...(mpCallback ? { wechatMpCallback: pushEndpoint(config.channels.wechatMp?.appId ?? SANDBOX_APPS.mp.appId, mpCallback) } : {}),
    // Served for a live or sandbox OA, never for one that is off; no default token.
    ...(oaCallback ? { wechatOaCallback: pushEndpoint(config.channels.wechatOa?.appId ?? SANDBOX_APPS.oa.appId, oaCallback) } : {}),
    ...(wired.mp && wired.mpClient
      ? {
          residents: {
            db,
            sessions: createSessions(config.channels.sessionSecret),
            wechat: wired.mpClient,
            template: { templateId: wired.mp.templateId, kind: config.channels.mpTemplateKind },
          },
        }
      : {}),
    press: { sessionSecret: config.channels.sessionSecret },
    // The same account the OA channel sends from (the sandbox's without credentials).
    ...(wired.oaClient ? { subscribeQr: { maker: wired.oaClient, sandbox: config.channels.modes['wechat-oa'] === 'sandbox' } } : {}),
    // The mini-program's code opens its subscribe page (miniprogram/app.json), made by the MP channel's client.
    ...(wired.mpClient ? { subscribeMpCode: { maker: wired.mpClient, page: MP_SUBSCRIBE_PAGE, sandbox: config.channels.modes['wechat-mp'] === 'sandbox' } } : {}),
    // The same Weibo account and API (or sandbox) the collector reads: replies go where the posts are.
    ...(opinion.weibo ? { weiboReplier: createWeiboReplier({ client: opinion.weibo.client, accessToken: opinion.weibo.accessToken, rip: config.channels.weiboServerIp }) } : {}),
    bodyLimit: config.http.bodyLimit,
    publicBaseUrl: config.http.publicBaseUrl,
    publicRateLimit: config.http.publicRateLimit,
    agencyRateLimit: config.agencyRateLimit,
    trustProxy: config.http.trustProxy,
    corsOrigins: config.http.corsOrigins,
  });
  const server = await listen(app, config.http.host, config.http.port);
  if (sandbox && oaCallback && config.channels.modes['wechat-oa'] === 'sandbox') {
    // The sandbox signs its pushes (scans, events) with this process's token, random or configured.
    const host = /^(0\.0\.0\.0|::)$/.test(config.http.host) ? '127.0.0.1' : config.http.host;
    await sandbox
      .setCallback(SANDBOX_APPS.oa.appId, { url: `http://${host}:${server.port}/wechat/oa`, token: oaCallback.token, ...(oaCallback.aesKey ? { aesKey: oaCallback.aesKey } : {}) })
      .catch((error: unknown) => logger.warn({ err: error }, 'the sandbox OA callback could not be registered: register it at /sandbox/admin/wechat/callback'));
  }
  if (sandbox && mpCallback && config.channels.modes['wechat-mp'] === 'sandbox') {
    const host = /^(0\.0\.0\.0|::)$/.test(config.http.host) ? '127.0.0.1' : config.http.host;
    await sandbox
      .setCallback(SANDBOX_APPS.mp.appId, { url: `http://${host}:${server.port}/wechat/mp`, token: mpCallback.token })
      .catch((error: unknown) => logger.warn({ err: error }, 'the sandbox mini-program callback could not be registered: register it at /sandbox/admin/wechat/callback'));
  }
  // The journal's consumer: catches the read model up at start (rebuilding it when missing), then follows.
  services.sync.start();
  services.requestSync.start();
  // In the background: search works meanwhile, with the old tokens.
  reindexIfStale(db, services.disclosures.written, logger).catch((error: unknown) => logger.error({ err: error }, 'search re-segmentation failed; run npx gongkai search reindex'));
  logger.info({ host: config.http.host, port: server.port, role, channels: [...wired.channels.keys()], readModel: readModel.kind }, 'gongkai listening');
  return { server, services };
}
