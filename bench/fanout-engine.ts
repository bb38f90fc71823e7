/**
 * The fan-out engine as `npm run bench:fanout` measures it: a process wired the way cli/serve.ts
 * wires a worker with WORKER_JOBS=fanout (configuration from the environment, Mongo token store,
 * mass budget, metrics), bundled like `npm run build` and run with plain node. The bench starts it,
 * sends `{ cmd: 'run', id, key }` over IPC and gets `runFanOut`'s result back, so the engine's
 * memory and CPU are its own and not the seeding's or the raw loop's.
 */
import { createChannels } from '../channels/registry.ts';
import { loadConfig } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { runFanOut } from '../core/fanout/fan-out.ts';
import { fanOutDeps } from '../core/fanout/wiring.ts';
import { createLogger } from '../core/logger.ts';
import { createMetrics } from '../core/metrics.ts';
import { createMassBudget } from '../core/wechat-state/mass-budget.ts';
import { createMongoTokenStore } from '../core/wechat-state/mongo-token-store.ts';
import { commandTimer, type CommandTimes } from './command-timer.ts';

export type EngineRequest = { cmd: 'run'; id: string; key: string } | { cmd: 'stop' };
export type EngineMessage =
  | { type: 'ready' }
  | { type: 'done'; result: unknown; peakHeapMb: number; dbTime?: CommandTimes }
  | { type: 'error'; error: string };

const send = (message: EngineMessage) => process.send?.(message);
process.on('disconnect', () => process.exit(0));

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await connectDb(config.database);
const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db), massBudget: createMassBudget(db) });
const site = { baseUrl: config.http.publicBaseUrl, miniProgramPage: config.channels.mpPage };
const deps = fanOutDeps(db, config.channels, wired, site, logger, createMetrics());
// `--db-timing`: the bench passes a URI with monitorCommands=true and asks for the totals.
const timer = process.env.BENCH_DB_TIMING === '1' ? commandTimer(db) : undefined;

let peakHeap = 0;
const heapTimer = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 100);

process.on('message', (raw) => {
  const request = raw as EngineRequest;
  if (request.cmd === 'stop') {
    clearInterval(heapTimer);
    void db.close().finally(() => process.exit(0));
    return;
  }
  timer?.start();
  runFanOut(deps, request.id, request.key).then(
    (result) => send({ type: 'done', result, peakHeapMb: peakHeap / (1 << 20), ...(timer ? { dbTime: timer.rows() } : {}) }),
    (error: unknown) => send({ type: 'error', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
send({ type: 'ready' });
