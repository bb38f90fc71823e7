import path from 'node:path';
import type { Connection } from 'mongoose';
import type { HttpServer } from '../api/server.ts';
import { createChannels, needsSandbox } from '../channels/registry.ts';
import { startLocalSandbox, type LocalSandbox } from '../channels/sandbox/start-local.ts';
import { redactUri, type Config } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { ensureEmbeddedDb } from '../core/embedded/embedded-db.ts';
import { indexIdLookups, type FerretDBHandle } from '../core/embedded/ferretdb-process.ts';
import { createKnownCollections } from '../core/embedded/known-collections.ts';
import { isAdminKey } from '../core/agencies/admin-key.ts';
import { startupDataKeys } from '../core/crypto/development-key.ts';
import type { Logger } from 'pino';
import { fanOutDeps } from '../core/fanout/wiring.ts';
import { opinionCollectOptions } from '../core/opinion/collect/wiring.ts';
import { createLogger } from '../core/logger.ts';
import { createMetrics } from '../core/metrics.ts';
import { createMassBudget } from '../core/wechat-state/mass-budget.ts';
import { createMongoTokenStore } from '../core/wechat-state/mongo-token-store.ts';
import { queueDepth, type ProcessRole, type Queue } from '../jobs/queue.ts';
import { startQueue } from '../jobs/worker.ts';
import { startWorkerMetrics, type WorkerMetricsServer } from './worker-metrics.ts';
import type { ReadModel } from '../core/read-model/types.ts';
import type { Services } from '../core/services.ts';

export interface Service {
  readonly port: number | undefined;
  /** A worker-only process's /metrics port (WORKER_METRICS_PORT). */
  readonly metricsPort?: number | undefined;
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
  let readModel: ReadModel | undefined;
  let services: Services | undefined;
  let workerMetrics: WorkerMetricsServer | undefined;
  const stopping = new AbortController();
  let idIndexTimer: NodeJS.Timeout | undefined;
  const stop = async () => {
    stopping.abort();
    clearInterval(idIndexTimer);
    // Requests and jobs wind down side by side, so the grace period is spent once, not twice.
    await Promise.all([server?.close(config.shutdownGraceMs), queue?.stop(config.shutdownGraceMs)]);
    await workerMetrics?.close();
    await services?.sync.stop();
    await services?.requestSync.stop();
    await readModel?.close();
    await sandbox?.close();
    await db?.close();
    await embedded?.stop();
    logger.info('stopped');
  };
  try {
    db = await connectDb(config.database);
    logger.info({ uri: redactUri(config.database.uri), db: config.database.dbName }, 'database connected');
    // A delivery-only worker lists nothing: it never opens (or loads the code of) the read model.
    if (role !== 'worker' || config.jobs.groups.includes('opinion')) {
      const { openReadModel } = await import('../core/read-model/open.ts');
      readModel = await openReadModel(config.readModel, db);
      logger.info({ kind: readModel.kind, ...(config.readModel.kind === 'sqlite' ? { file: config.readModel.file } : {}) }, 'read model open');
    }
    for (const [channel, mode] of Object.entries(config.channels.modes)) {
      logger.info({ channel, mode, why: config.channels.modeReasons[channel as keyof typeof config.channels.modes] }, `channel ${channel}: ${mode}`);
    }
    if (needsSandbox(config.channels)) {
      // In production the sandbox's own pages (/sandbox/*) need an admin key, like the API's outbox.
      const authorize = config.channels.production ? (header: string | undefined) => isAdminKey(db!, header) : undefined;
      // On the embedded default its followers and statuses live beside the database, so a restart
      // neither makes gongkai deactivate every subscriber nor stop polling earlier statuses.
      const stateFile = config.database.kind === 'embedded' ? path.join(config.database.dataDir, 'sandbox', 'state.v8') : undefined;
      sandbox = await startLocalSandbox(config.channels.sandbox.port, {
        mpTemplateKind: config.channels.mpTemplateKind,
        ...(authorize ? { authorize } : {}),
        ...(stateFile ? { stateFile, warn: (message: string) => logger.warn(message) } : {}),
      });
      logger.info({ url: sandbox.url, forced: config.channels.sandbox.forced, ...(stateFile ? { stateFile } : {}) }, 'accounts in sandbox mode use the local sandbox');
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
    const opinion = { ...opinionCollectOptions(config.channels, sandbox), ...(readModel ? { readModel } : {}) };
    // Once per process (it may generate the development key, and says so): the API seals requests'
    // personal data with it, the opinion watch opens staff alert targets' secrets.
    const data = startupDataKeys(config);
    if (data.warning) logger.warn(data.file ? { file: data.file } : {}, data.warning);
    const staffAlerts = {
      ...(data.keys ? { keys: data.keys } : {}),
      publicBaseUrl: config.http.publicBaseUrl,
      ...(sandbox ? { sandboxUrl: sandbox.url } : {}),
      tokenStore: createMongoTokenStore(db),
      bases: { wechat: config.channels.wechatBase },
    };
    queue = await startQueue({ db, role, pollMs: config.jobs.pollMs, groups: config.jobs.groups, logger, fanOut, opinion, readModel, staffAlerts });
    if (config.database.kind === 'embedded') {
      await createKnownCollections(db);
      idIndexTimer = indexNewCollections(config.database.dataDir, logger);
    }
    if (role !== 'worker') {
      // Imported here so a worker process never loads the HTTP side (koa, feeds, jieba for search).
      const { startHttp } = await import('./serve-http.ts');
      const httpConfig = data.keys ? { ...config, dataKeys: data.keys } : config;
      ({ server, services } = await startHttp({ config: httpConfig, role, db, queue, wired, sandbox, metrics, opinion, readModel: readModel!, logger, staffAlerts }));
    } else {
      if (config.jobs.metricsPort !== undefined) workerMetrics = await startWorkerMetrics(metrics, config.http.host, config.jobs.metricsPort, logger);
      logger.info({ role, jobs: config.jobs.groups, channels: [...wired.channels.keys()] }, 'gongkai worker running');
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
  return { port: server?.port, metricsPort: workerMetrics?.port, stop, abort };
}

/**
 * FerretDB's SQLite tables get the index its `_id` lookups use when the server starts
 * (core/embedded/id-index.ts); the collections this process made just now get it here, and any
 * made later within a minute. Finding nothing to do is a read of each file's schema.
 */
function indexNewCollections(dataDir: string, logger: Logger): NodeJS.Timeout {
  const pass = () => {
    try {
      const { created } = indexIdLookups(dataDir);
      if (created) logger.info({ created }, 'FerretDB: _id lookup index added to new collections');
    } catch (error) {
      logger.warn({ err: error }, 'FerretDB: could not add the _id lookup index; lookups still work, by scanning');
    }
  };
  pass();
  return setInterval(pass, 60_000).unref();
}
