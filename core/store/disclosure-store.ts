import { randomBytes } from 'node:crypto';
import type { Collection, FindOptions } from 'mongodb';
import { Types, type Connection } from 'mongoose';
import { disclosureCollection, type DisclosureRecord } from '../models/disclosure.model.ts';
import { claimId } from './claims.ts';
import { naturalScan } from './scan.ts';
import { serverTraits } from './server-traits.ts';
import { releaseClaim, versionedWrite, type VersionClaim, type VersionedPlan, type VersionedResult } from './versioned.ts';

/** What a disclosure's claim says besides its version: for the journal's consumer (core/read-model/sync.ts). */
export interface DisclosureIntent {
  /** The outbox entries this write queues, to be started by whoever finds the write done. */
  outboxKeys: string[];
  /** The write changes what the public sees: caches must drop. */
  publicChange: boolean;
}

export type DisclosureClaim = VersionClaim & Partial<DisclosureIntent>;

/** Every claim of a disclosure version, kept until the read model has applied it: the journal. */
export const journalCollection = (db: Connection) => db.collection('disclosure_versions') as unknown as Collection<DisclosureClaim>;

const POINT_READS_AT_ONCE = 16;

/**
 * The disclosures on MongoDB: point reads by id, inserts and versioned writes. Lists are the
 * read model's (core/read-model/); nothing here filters or sorts the collection, which FerretDB
 * 1.x could only answer by decoding every document.
 */
export function disclosureStore(db: Connection) {
  const docs = disclosureCollection(db);
  const journal = journalCollection(db);
  const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id);
  return {
    docs,
    journal,
    /** By `_id` alone: the one lookup FerretDB answers from SQL. */
    get(id: string | Types.ObjectId, options?: FindOptions): Promise<DisclosureRecord | null> {
      if (typeof id === 'string' && !/^[0-9a-f]{24}$/.test(id)) return Promise.resolve(null);
      return docs.findOne({ _id: oid(id) }, options);
    },
    /** Several point reads, in the order of `ids`; missing ones are left out. */
    async getMany(ids: readonly string[], options?: FindOptions): Promise<DisclosureRecord[]> {
      const found: (DisclosureRecord | null)[] = [];
      for (let i = 0; i < ids.length; i += POINT_READS_AT_ONCE) {
        found.push(...(await Promise.all(ids.slice(i, i + POINT_READS_AT_ONCE).map((id) => this.get(id, options)))));
      }
      return found.filter((d): d is DisclosureRecord => Boolean(d));
    },
    /**
     * Inserts a new disclosure, journalled like a write (its claim of version 1 first), so the
     * read model learns of it even if this process dies right after.
     */
    async insert(record: DisclosureRecord, by: string, now: Date): Promise<DisclosureClaim> {
      const id = record._id.toHexString();
      const claim: DisclosureClaim = { _id: `${id}:1`, subject: id, version: 1, at: now, by, token: randomBytes(8).toString('hex'), outboxKeys: [], publicChange: false };
      await claimId(journal, claim);
      try {
        await docs.insertOne(record);
      } catch (error) {
        await releaseClaim(journal, claim).catch(() => undefined);
        throw error;
      }
      return claim;
    },
    /** A versioned write (core/store/versioned.ts) whose claim stays in the journal until applied. */
    write(
      id: string,
      by: string,
      now: () => Date,
      plan: (doc: DisclosureRecord, at: Date) => (VersionedPlan<DisclosureRecord> & { intent: DisclosureIntent }) | null,
    ): Promise<VersionedResult<DisclosureRecord> | undefined> {
      return serverTraits(db.db!).then(({ lookupsByIdOnly }) =>
        versionedWrite<DisclosureRecord>({ docs, claims: journal, filter: { _id: oid(id) }, key: id, by, now, journal: true, lookupsByIdOnly, plan }),
      );
    },
    /**
     * How many there are, from the storage engine's statistics: FerretDB answers `count` (and
     * estimatedDocumentCount) by decoding every document, collStats from SQLite's own count.
     */
    async count(): Promise<number> {
      const stats = await db.db!.command({ collStats: docs.collectionName }).catch(() => ({ count: 0 }));
      return Number(stats.count ?? 0);
    },
    /** Every disclosure in insertion order, streamed (rebuilds, re-segmentation). */
    scan(projection?: Record<string, 0 | 1>): AsyncIterable<DisclosureRecord> {
      return naturalScan(docs, projection);
    },
  };
}

export type DisclosureStore = ReturnType<typeof disclosureStore>;
