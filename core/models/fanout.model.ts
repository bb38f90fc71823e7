import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';

/**
 * Progress of one outbox entry (one public change on one channel). Written only by the worker
 * holding generation `gen` of its lease (fanout_leases `${_id}#${gen}`), so never concurrently.
 */
export interface FanOutRecord {
  /** `${disclosureId}|${outboxKey}` */
  _id: string;
  disclosureId: string;
  outboxKey: string;
  gen: number;
  state: 'running' | 'waiting' | 'done';
  /** Last recipient cursor fully handled: a restarted worker resumes after it. */
  cursor?: string;
  /** Some delivery of this run waits for another attempt: the retry pass must look for them. */
  retryPending?: boolean;
  /** When to run again (retry backoff, quota pause). */
  resumeAt?: Date;
  /** Why it waits, when its account is paused (`paused: 10024 …`). */
  reason?: string;
  updatedAt: Date;
  finishedAt?: Date;
}

export interface FanOutLease {
  /** `${fanOutId}#${gen}`: inserting it is taking the lease. */
  _id: string;
  owner: string;
  expiresAt: Date;
}

export const fanOutId = (disclosureId: string, outboxKey: string) => `${disclosureId}|${outboxKey}`;

export const fanOutCollection = (db: Connection) => db.collection('fanouts') as unknown as Collection<FanOutRecord>;
export const fanOutLeases = (db: Connection) => db.collection('fanout_leases') as unknown as Collection<FanOutLease>;
