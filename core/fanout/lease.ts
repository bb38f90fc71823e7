import { claimId } from '../store/claims.ts';
import { fanOutCollection, fanOutLeases, type FanOutRecord } from '../models/fanout.model.ts';
import type { FanOutDeps } from './deps.ts';

export interface HeldLease {
  id: string;
  gen: number;
  progress: FanOutRecord | null;
  /** When this generation was taken: claims older than it belong to a holder presumed dead. */
  takenAt: Date;
  /**
   * False once another worker has taken a later generation (this one was too slow), or when this
   * process is shutting down: the run then stops at this checkpoint and drops the lease.
   */
  stillHeld(): Promise<boolean>;
  renew(): Promise<void>;
  /** Writes progress; only the lease holder writes the fanouts document. */
  save(fields: Partial<FanOutRecord>, unset?: (keyof FanOutRecord)[]): Promise<void>;
}

/**
 * Takes generation gen+1 of a fan-out's lease by inserting its key, if the current generation
 * has expired (or there is none). Two workers racing for it insert the same key: one wins.
 */
export async function takeLease(deps: FanOutDeps, id: string, base: Omit<FanOutRecord, '_id' | 'gen' | 'state' | 'updatedAt'>): Promise<HeldLease | undefined> {
  const progress = await fanOutCollection(deps.db).findOne({ _id: id });
  const gen = progress?.gen ?? 0;
  const now = deps.now();
  if (gen > 0) {
    const current = await fanOutLeases(deps.db).findOne({ _id: `${id}#${gen}` });
    if (current && current.expiresAt > now) return undefined;
  }
  const next = gen + 1;
  const leaseId = `${id}#${next}`;
  const expiresAt = () => new Date(deps.now().getTime() + deps.leaseMs);
  if (!(await claimId(fanOutLeases(deps.db), { _id: leaseId, owner: deps.workerId, expiresAt: expiresAt() }))) return undefined;
  const save: HeldLease['save'] = async (fields, unset = []) => {
    await fanOutCollection(deps.db).updateOne(
      { _id: id },
      {
        $set: { ...base, ...fields, gen: next, updatedAt: deps.now() },
        ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, ''])) } : {}),
      },
      { upsert: true },
    );
  };
  await save({ state: 'running' });
  return {
    id,
    gen: next,
    takenAt: now,
    progress,
    stillHeld: async () => !deps.stopping?.aborted && !(await fanOutLeases(deps.db).findOne({ _id: `${id}#${next + 1}` }, { projection: { _id: 1 } })),
    renew: async () => {
      await fanOutLeases(deps.db).updateOne({ _id: leaseId }, { $set: { expiresAt: expiresAt() } });
    },
    save,
  };
}

/** Ends this generation early so the next run need not wait for it to expire. */
export async function dropLease(deps: FanOutDeps, lease: HeldLease): Promise<void> {
  await fanOutLeases(deps.db).updateOne({ _id: `${lease.id}#${lease.gen}` }, { $set: { expiresAt: new Date(0) } });
}
