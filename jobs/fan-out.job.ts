import type { Agenda } from 'agenda';
import { endPause } from '../core/fanout/pauses.ts';
import { runFanOut } from '../core/fanout/fan-out.ts';
import type { FanOutDeps } from '../core/fanout/deps.ts';

export const FAN_OUT_JOB = 'fan-out';
/** One per paused channel account: at the pause's end it restarts what the pause parked. */
export const CHANNEL_RESUME_JOB = 'channel-resume';
/** Earlier versions scanned recent disclosures for lost fan-outs every 30 s; the journal does that now. */
const RETIRED_SWEEP_JOB = 'outbox-sweep';

export interface FanOutJobData {
  disclosureId: string;
  outboxKey: string;
}

/** How many (change, channel) fan-outs one worker runs at once. */
const FAN_OUT_CONCURRENCY = 4;

/**
 * The job carries ids only; the outbox on the disclosure says what is left to do, and the lease
 * there makes a second run of the same job harmless.
 *
 * Jobs are removed once done: agenda finds due jobs by a query that FerretDB 1.x answers by
 * decoding the whole `jobs` collection, so it must hold pending work only, not every fan-out ever
 * run. A run that stops without finishing leaves its next step to exactly one place: a scheduled
 * job (retry backoff), the account's resume job (a quota pause), or, when the worker dies, its
 * own job, which agenda hands to another worker once the lock expires.
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
      } else if (result.state === 'parked' && result.runAt) {
        await scheduleResume(agenda, outboxKey.split('~')[1]!, result.runAt);
      } else if (result.state === 'busy' && deps.stopping?.aborted) {
        // Shutting down, this worker stopped at a checkpoint and dropped the lease: the next
        // worker resumes from there now, not when the lease expires.
        await agenda.now(FAN_OUT_JOB, { disclosureId, outboxKey });
      }
    },
    { concurrency: FAN_OUT_CONCURRENCY, lockLifetime: deps.leaseMs * 2, removeOnComplete: true },
  );

  agenda.define<{ channel: string }>(
    CHANNEL_RESUME_JOB,
    async (job) => {
      const { channel } = job.attrs.data;
      const { extendedUntil, parked } = await endPause(deps.db, channel, deps.now());
      if (extendedUntil) await scheduleResume(agenda, channel, extendedUntil);
      for (const p of parked) await agenda.now(FAN_OUT_JOB, { disclosureId: p.disclosureId, outboxKey: p.outboxKey });
      if (parked.length) deps.logger.info({ channel, resumed: parked.length }, 'channel pause over: parked fan-outs resumed');
    },
    { removeOnComplete: true },
  );
}

/**
 * The account's one resume job, at the pause's end: unique on the channel, so every fan-out the
 * pause parks shares it. On FerretDB the unique upsert is not isolated and two racing parkers
 * may make two; the second finds nothing left to resume.
 */
export async function scheduleResume(agenda: Agenda, channel: string, at: Date): Promise<void> {
  await agenda.create(CHANNEL_RESUME_JOB, { channel }).unique({ name: CHANNEL_RESUME_JOB, 'data.channel': channel }).schedule(at).save();
}

/** Drops the recurring sweep earlier versions scheduled; nothing defines it any more. */
export async function retireOutboxSweep(agenda: Agenda): Promise<void> {
  await agenda.cancel({ name: RETIRED_SWEEP_JOB });
}

/** Called by the API right after a public change: start its fan-outs now. */
export function enqueueFanOut(agenda: Agenda) {
  return async (disclosureId: string, outboxKeys: string[]) => {
    for (const outboxKey of outboxKeys) await agenda.now(FAN_OUT_JOB, { disclosureId, outboxKey });
  };
}
