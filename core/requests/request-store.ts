import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { RequestReadModel } from '../read-model/request-types.ts';
import { claimId } from '../store/claims.ts';
import { naturalScan } from '../store/scan.ts';
import { pollEvery } from '../store/poll.ts';
import { serverTraits } from '../store/server-traits.ts';
import { claimOf, releaseClaim, STALE_CLAIM_MS, versionedWrite, type VersionClaim, type VersionedPlan, type VersionedResult } from '../store/versioned.ts';
import type { WorkCalendar } from '../calendar/types.ts';
import { requestCollection, requestJournal, type InfoRequestRecord } from './request.model.ts';
import { requestRow } from './row.ts';

/**
 * Requests on MongoDB: point reads by receipt number (the `_id`, the one lookup FerretDB answers
 * from SQL), inserts and versioned writes whose claims are the journal the read model follows,
 * exactly as disclosures (core/store/disclosure-store.ts). Nothing here filters the collection.
 */
export function requestStore(db: Connection) {
  const docs = requestCollection(db);
  const journal = requestJournal(db);
  return {
    docs,
    journal,
    get(id: string): Promise<InfoRequestRecord | null> {
      return docs.findOne({ _id: id });
    },
    /** Inserts a new request, its claim of version 1 first; false when the id exists (a retry). */
    async insert(record: InfoRequestRecord, now: Date): Promise<VersionClaim | undefined> {
      const claim: VersionClaim = { _id: `${record._id}:1`, subject: record._id, version: 1, at: now, by: 'requester', token: randomBytes(8).toString('hex') };
      if (!(await claimId(journal, claim))) return undefined;
      try {
        await docs.insertOne(record);
      } catch (error) {
        await releaseClaim(journal, claim).catch(() => undefined);
        if ((error as { code?: number }).code === 11000) return undefined;
        throw error;
      }
      return claim;
    },
    async write(id: string, by: string, now: () => Date, plan: (doc: InfoRequestRecord, at: Date) => VersionedPlan<InfoRequestRecord> | null): Promise<VersionedResult<InfoRequestRecord> | undefined> {
      const { lookupsByIdOnly } = await serverTraits(db.db!);
      return versionedWrite<InfoRequestRecord>({ docs, claims: journal, filter: { _id: id }, key: id, by, now, journal: true, lookupsByIdOnly, plan });
    },
  };
}

export type RequestStore = ReturnType<typeof requestStore>;

const WRITER_GRACE_MS = 2_000;
const POLL_MS = 1_000;

/**
 * Keeps the requests' projection in step, as core/read-model/sync.ts does for disclosures: the
 * writer applies its row and deletes the claim at once; a claim older than the writer's grace
 * is applied by whoever finds it; a read model that was never built is rebuilt from a scan.
 */
export function createRequestSync(deps: { store: RequestStore; readModel: RequestReadModel; calendar: () => Promise<WorkCalendar>; logger?: Logger; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());

  async function written(doc: InfoRequestRecord, claim: VersionClaim): Promise<void> {
    await deps.readModel.apply([requestRow(doc, await deps.calendar())]);
    await releaseClaim(deps.store.journal, claim);
  }

  async function rebuild(): Promise<number> {
    const calendar = await deps.calendar();
    let n = 0;
    for await (const doc of naturalScan(deps.store.docs)) n += await deps.readModel.apply([requestRow(doc, calendar)]);
    await deps.readModel.markBuilt();
    return n;
  }

  async function catchUp(options: { all?: boolean } = {}) {
    if (!(await deps.readModel.isBuilt())) await rebuild();
    const entries = await deps.store.journal.find({}).limit(500).toArray();
    const at = now().getTime();
    let applied = 0;
    for (const entry of entries) {
      const age = at - new Date(entry.at).getTime();
      if (!options.all && age < WRITER_GRACE_MS) continue;
      const { subject, version } = claimOf(entry);
      const doc = await deps.store.get(subject);
      if (doc && doc.version >= version) {
        await written(doc, entry);
        applied++;
      } else if (age > STALE_CLAIM_MS) await releaseClaim(deps.store.journal, entry);
    }
    return { applied };
  }

  const poll = pollEvery(POLL_MS, () =>
    catchUp().catch((error: unknown) => deps.logger?.warn({ err: error }, 'request read model sync failed; retrying')),
  );
  return {
    written,
    catchUp,
    start: () => poll.start(),
    stop: () => poll.stop(),
  };
}
