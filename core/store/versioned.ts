import { randomBytes } from 'node:crypto';
import type { Collection, Document, Filter, UpdateFilter, WithId } from 'mongodb';
import { claimId } from './claims.ts';

/**
 * The claim of one version of one document: `${key}:${version}`. Inserted before the write that
 * makes that version, so it is also the record that the write was meant (a journal entry): a
 * consumer that finds it learns that the document changed, or was about to.
 */
export interface VersionClaim extends Document {
  _id: string;
  /** The claimed document's key (the claim id without `:version`). */
  subject: string;
  version: number;
  at: Date;
  by: string;
  /** Tells this claim apart from a later one with the same id, so only its owner's release deletes it. */
  token: string;
}

export interface Versioned extends Document {
  version: number;
}

export interface VersionedPlan<T> {
  set: Partial<T>;
  push?: Document;
  unset?: string[];
  /** Kept on the claim for whoever consumes it (e.g. the outbox keys a transition queues). */
  intent?: Document;
}

export interface VersionedWriteOptions<T extends Versioned> {
  docs: Collection<T>;
  claims: Collection<VersionClaim>;
  /** A lone `_id` equality: the one filter FerretDB 1.x answers without decoding the collection. */
  filter: Filter<T> & { _id: unknown };
  key: string;
  by: string;
  now: () => Date;
  /** Keep the claim after the write, for a consumer that deletes it once done (see releaseClaim). */
  journal?: boolean;
  /** The server answers only lone-`_id` lookups from an index (FerretDB 1.x; core/store/server-traits.ts). */
  lookupsByIdOnly?: boolean;
  /** Called on every read; throwing (not found, forbidden, conflict) ends the write. */
  plan: (doc: WithId<T>, now: Date) => VersionedPlan<T> | null;
}

export type VersionedResult<T> = { doc: WithId<T>; changed: false } | { doc: WithId<T>; changed: true; claim: VersionClaim };

const MAX_ATTEMPTS = 5;

/**
 * A claim older than this whose version was never written belongs to a writer that died between
 * its claim and its write (or whose write failed). It is twice the driver's socket timeout
 * (core/db.ts), so a writer still waiting on its update has given up long before: releasing the
 * claim cannot let two writers make one version.
 */
export const STALE_CLAIM_MS = 60_000;

/**
 * Every state change of a versioned document: read, plan, claim the next version by inserting its
 * unique key, then update conditionally on the version read.
 *
 * FerretDB 1.x applies concurrent updates of one document without isolation (two conditional
 * updates may both match), so the insert of the claim, which it does enforce, is what makes one
 * writer per version (core/store/claims.ts); on MongoDB the condition alone would do. A writer
 * that loses the claim, or finds after claiming that the version moved on, plans again on a
 * fresh read. A claim left by a writer that died (or whose update failed) is released once
 * stale, so the document cannot stay blocked.
 */
export async function versionedWrite<T extends Versioned>(options: VersionedWriteOptions<T>): Promise<VersionedResult<T> | undefined> {
  const { docs, claims, filter, key } = options;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const doc = await docs.findOne(filter);
    if (!doc) return undefined;
    const now = options.now();
    const planned = options.plan(doc, now);
    if (!planned) return { doc, changed: false };
    const version = doc.version + 1;
    const claim: VersionClaim = {
      _id: `${key}:${version}`,
      subject: key,
      version,
      at: now,
      by: options.by,
      token: randomBytes(8).toString('hex'),
      ...planned.intent,
    };
    if (!(await claimId(claims, claim))) {
      await releaseIfStale(options, claim._id, now);
      continue;
    }
    // Claims are let go once their write is done (at once, or by the journal's consumer), so a
    // writer that read before that write could now claim the same version: the document, read
    // again after the claim, says whether the version read is still the current one.
    const current = await docs.findOne(filter, { projection: { version: 1 } });
    if (current?.version !== doc.version) {
      await releaseClaim(claims, claim);
      continue;
    }
    const update = {
      $set: { ...planned.set, version },
      ...(planned.push ? { $push: planned.push } : {}),
      ...(planned.unset?.length ? { $unset: Object.fromEntries(planned.unset.map((k) => [k, ''])) } : {}),
    } as UpdateFilter<T>;
    // Not released when the update throws: it may have landed. The journal's consumer (or the
    // next writer, once the claim is stale) finds out which from the document's version.
    // On MongoDB the update is also conditional on the version read. FerretDB would decode the
    // whole collection for that condition, and evaluates it without isolation anyway: there the
    // claim alone guards the version (a writer slower than STALE_CLAIM_MS has given up).
    const condition = (options.lookupsByIdOnly ? filter : { ...filter, version: doc.version }) as Filter<T>;
    const updated = await docs.findOneAndUpdate(condition, update, { returnDocument: 'after' });
    if (!updated) {
      // Only possible when the claim of this version was released as stale meanwhile.
      await releaseClaim(claims, claim);
      continue;
    }
    if (!options.journal) await releaseClaim(claims, claim);
    return { doc: updated, changed: true, claim };
  }
  throw new VersionConflict();
}

export class VersionConflict extends Error {
  override name = 'VersionConflict';
  constructor() {
    super('the document is being changed by another request');
  }
}

/** A claim's document key and version; claims written before they carried both say it in their id. */
export function claimOf(claim: Pick<VersionClaim, '_id'> & Partial<VersionClaim>): { subject: string; version: number } {
  const cut = claim._id.lastIndexOf(':');
  return { subject: claim.subject ?? claim._id.slice(0, cut), version: claim.version ?? Number(claim._id.slice(cut + 1)) };
}

/** Deletes this claim, not a later one with the same id. Harmless when already gone. */
export async function releaseClaim(claims: Collection<VersionClaim>, claim: Pick<VersionClaim, '_id' | 'token'>): Promise<void> {
  // By id alone (FerretDB looks that up without a scan), then checked, then by id and token.
  const stored = await claims.findOne({ _id: claim._id });
  if (stored?.token === claim.token) await claims.deleteOne({ _id: claim._id, token: claim.token });
}

/**
 * A claim that lost to an existing one: if that one is stale and its version was never written,
 * its writer is gone, and the claim is released so the next attempt can take it.
 */
async function releaseIfStale<T extends Versioned>(options: VersionedWriteOptions<T>, claimKey: string, now: Date): Promise<void> {
  const existing = await options.claims.findOne({ _id: claimKey });
  if (!existing || now.getTime() - existing.at.getTime() <= STALE_CLAIM_MS) return;
  const doc = await options.docs.findOne(options.filter, { projection: { version: 1 } });
  if (doc && doc.version < claimOf(existing).version) await releaseClaim(options.claims, existing);
}
