import type { Connection } from 'mongoose';
import { createApp } from '../api/app.ts';
import { listen, type HttpServer } from '../api/server.ts';
import { createChannels, needsSandbox, SANDBOX_APPS } from '../channels/registry.ts';
import { startLocalSandbox, type LocalSandbox } from '../channels/sandbox/start-local.ts';
import { redactUri, type Config } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { ensureEmbeddedDb } from '../core/embedded/embedded-db.ts';
import type { FerretDBHandle } from '../core/embedded/ferretdb-process.ts';
import { fanOutDeps } from '../core/fanout/wiring.ts';
import { opinionCollectOptions } from '../core/opinion/collect/wiring.ts';
import { createWeiboReplier } from '../channels/weibo/weibo-reply.ts';
import { createLogger } from '../core/logger.ts';
import { createMetrics } from '../core/metrics.ts';
import { createSessions } from '../core/residents/session.ts';
import { createServices } from '../core/services.ts';
import { createMassBudget } from '../core/wechat-state/mass-budget.ts';
import { createMongoTokenStore } from '../core/wechat-state/mongo-token-store.ts';
import { enqueueFanOut } from '../jobs/fan-out.job.ts';
import { queueDepth, type ProcessRole, type Queue } from '../jobs/queue.ts';
import { startQueue } from '../jobs/worker.ts';

export interface Service {
  readonly port: number | undefined;
  stop(): Promise<void>;
  /** For a forced exit: stops the embedded database this process started without waiting. */
  abort(): void;
}

/**
 * Starts the process in one of three roles: `all` (API and worker, the embedded default),
 * `api`, or `worker`. Shutdown runs in reverse: stop taking requests and jobs, finish what
 * is in flight, close the database, and stop what this process started.
 */
export async function serve(config: Config, role: ProcessRole): Promise<Service> {
  const logger = createLogger(config.logLevel);
  let embedded: FerretDBHandle | null = null;
  if (config.database.kind === 'embedded') {
    embedded = await ensureEmbeddedDb(config.database, (line) => logger.info(line));
    logger.info(
      { dataDir: config.database.dataDir, port: config.database.port, startedHere: embedded !== null },
      'embedded database (FerretDB) ready',
    );
  }
  let db: Connection | undefined;
  let queue: Queue | undefined;
  let server: HttpServer | undefined;
  let sandbox: LocalSandbox | undefined;
  const stopping = new AbortController();
  const stop = async () => {
    stopping.abort();
    // Requests and jobs wind down side by side, so the grace period is spent once, not twice.
    await Promise.all([server?.close(config.shutdownGraceMs), queue?.stop(config.shutdownGraceMs)]);
    await sandbox?.close();
    await db?.close();
    await embedded?.stop();
    logger.info('stopped');
  };
  try {
    db = await connectDb(config.database);
    logger.info({ uri: redactUri(config.database.uri), db: config.database.dbName }, 'database connected');
    if (needsSandbox(config.channels)) {
      sandbox = await startLocalSandbox(config.channels.sandbox.port);
      logger.info({ url: sandbox.url, forced: config.channels.sandbox.forced }, 'channels without credentials use the local sandbox');
    }
    const wired = createChannels({
      config: config.channels,
      tokenStore: createMongoTokenStore(db),
      massBudget: createMassBudget(db),
      sandbox,
    });
    const metrics = createMetrics(() => queueDepth(db!.db!));
    if (!config.channels.sessionSecret && role !== 'worker') {
      logger.warn('SESSION_SECRET is not set: residents’ sessions end when this process restarts and are not shared between API processes');
    }
    const site = { baseUrl: config.http.publicBaseUrl, miniProgramPage: config.channels.mpPage };
    const fanOut = { ...fanOutDeps(db, config.channels, wired, site, logger, metrics), stopping: stopping.signal };
    const opinion = opinionCollectOptions(config.channels, sandbox);
    queue = await startQueue({ db, role, pollMs: config.jobs.pollMs, logger, fanOut, opinion });
    if (role !== 'worker') {
      const services = createServices(db, {
        logger,
        fanOutChannels: [...wired.channels.keys()],
        enqueueFanOut: enqueueFanOut(queue.agenda),
      });
      const app = createApp({
        logger,
        db,
        queue,
        services,
        metrics,
        sandboxOutbox: sandbox?.outbox,
        wechatOaCallback: {
          appId: config.channels.wechatOa?.appId ?? SANDBOX_APPS.oa.appId,
          ...config.channels.oaCallback,
          ...(config.channels.sessionSecret ? { pseudonymKey: config.channels.sessionSecret } : {}),
        },
        residents: {
          db,
          sessions: createSessions(config.channels.sessionSecret),
          wechat: wired.mpClient,
          template: { templateId: wired.mp.templateId, kind: config.channels.mpTemplateKind },
        },
        press: { sessionSecret: config.channels.sessionSecret },
        // The same Weibo account and API (or sandbox) the collector reads: replies go where the posts are.
        ...(opinion.weibo ? { weiboReplier: createWeiboReplier({ client: opinion.weibo.client, accessToken: opinion.weibo.accessToken }) } : {}),
        bodyLimit: config.http.bodyLimit,
        publicBaseUrl: config.http.publicBaseUrl,
        publicRateLimit: config.http.publicRateLimit,
        agencyRateLimit: config.agencyRateLimit,
        trustProxy: config.http.trustProxy,
        corsOrigins: config.http.corsOrigins,
      });
      server = await listen(app, config.http.host, config.http.port);
      logger.info({ host: config.http.host, port: server.port, role, channels: [...wired.channels.keys()] }, 'gongkai listening');
    } else {
      logger.info({ role, channels: [...wired.channels.keys()] }, 'gongkai worker running');
    }
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const abort = () => {
    try {
      if (embedded) process.kill(embedded.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  return { port: server?.port, stop, abort };
}
