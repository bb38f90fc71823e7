import type { Agenda } from 'agenda';
import { disclosureCollection } from '../core/models/disclosure.model.ts';
import { fanOutCollection } from '../core/models/fanout.model.ts';
import { runFanOut } from '../core/fanout/fan-out.ts';
import type { FanOutDeps } from '../core/fanout/deps.ts';

export const FAN_OUT_JOB = 'fan-out';
export const OUTBOX_SWEEP_JOB = 'outbox-sweep';

export interface FanOutJobData {
  disclosureId: string;
  outboxKey: string;
}

/** How many (change, channel) fan-outs one worker runs at once. */
const FAN_OUT_CONCURRENCY = 4;
/** A lost enqueue (crash between the publish write and the job insert) is found this often. */
const SWEEP_EVERY = '30 seconds';
const SWEEP_WINDOW_MS = 24 * 60 * 60_000;

/**
 * The job carries ids only; the outbox on the disclosure says what is left to do, and the lease
 * there makes a second run of the same job harmless.
 */
export function defineFanOutJobs(agenda: Agenda, deps: FanOutDeps): void {
  agenda.define<FanOutJobData>(
    FAN_OUT_JOB,
    async (job) => {
      const { disclosureId, outboxKey } = job.attrs.data;
      // A run that agenda began while this worker was stopping sends nothing: it goes back on the
      // queue for the next worker, instead of starting a batch the shutdown then waits for.
      if (deps.stopping?.aborted) {
        await agenda.now(FAN_OUT_JOB, { disclosureId, outboxKey });
        return;
      }
      const result = await runFanOut(deps, disclosureId, outboxKey);
      if (result.state === 'scheduled' && result.runAt) {
        await agenda.schedule(result.runAt, FAN_OUT_JOB, { disclosureId, outboxKey });
      } else if (result.state === 'busy' && deps.stopping?.aborted) {
        // Shutting down, this worker stopped at a checkpoint and dropped the lease: the next
        // worker resumes from there now, not when the sweep finds the fan-out stalled.
        await agenda.now(FAN_OUT_JOB, { disclosureId, outboxKey });
      }
    },
    { concurrency: FAN_OUT_CONCURRENCY, lockLifetime: deps.leaseMs * 2 },
  );

  agenda.define(OUTBOX_SWEEP_JOB, async () => {
    for (const data of await stalledFanOuts(deps)) await agenda.now(FAN_OUT_JOB, data);
  });
}

/**
 * Public changes of the last day whose fan-out never started (the enqueue after the publish
 * write was lost), stalled (its worker died) or whose wait is over.
 */
export async function stalledFanOuts(deps: FanOutDeps): Promise<FanOutJobData[]> {
  const now = deps.now();
  const found: FanOutJobData[] = [];
  const recent = disclosureCollection(deps.db).find(
    { publicChangedAt: { $gte: new Date(now.getTime() - SWEEP_WINDOW_MS) } },
    { projection: { outbox: 1 } },
  );
  for await (const doc of recent) {
    const disclosureId = doc._id.toHexString();
    const runs = new Map((await fanOutCollection(deps.db).find({ disclosureId }).toArray()).map((f) => [f.outboxKey, f]));
    for (const outboxKey of Object.keys(doc.outbox ?? {})) {
      const run = runs.get(outboxKey);
      const stalled = run && run.state === 'running' && run.updatedAt.getTime() < now.getTime() - deps.leaseMs;
      const due = run?.state === 'waiting' && (!run.resumeAt || run.resumeAt <= now);
      if (!run || stalled || due) found.push({ disclosureId, outboxKey });
    }
  }
  return found;
}

export async function scheduleOutboxSweep(agenda: Agenda): Promise<void> {
  await agenda.every(SWEEP_EVERY, OUTBOX_SWEEP_JOB, undefined, { skipImmediate: true });
}

/** Called by the API right after a public change: start its fan-outs now. */
export function enqueueFanOut(agenda: Agenda) {
  return async (disclosureId: string, outboxKeys: string[]) => {
    for (const outboxKey of outboxKeys) await agenda.now(FAN_OUT_JOB, { disclosureId, outboxKey });
  };
}
