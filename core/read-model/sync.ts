import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { markPublicAttachments } from '../attachments/access.ts';
import { createPublicCache } from '../public-cache.ts';
import { disclosureStore } from '../store/disclosure-store.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import type { DisclosureClaim, DisclosureStore } from '../store/disclosure-store.ts';
import { claimOf, releaseClaim, STALE_CLAIM_MS } from '../store/versioned.ts';
import { pollEvery } from '../store/poll.ts';
import { rebuildReadModel } from './rebuild.ts';
import type { ReadModel } from './types.ts';

export interface SyncDeps {
  store: DisclosureStore;
  readModel: ReadModel;
  /** Starts the fan-outs of outbox entries a write queued (the job queue). */
  enqueueFanOut?: (disclosureId: string, outboxKeys: string[]) => Promise<void>;
  /** Drops this process's cached public answers (and tells the others). */
  invalidatePublic?: () => Promise<void>;
  /** What else follows a public change of the document (its attachments become downloadable). */
  publicChanged?: (doc: DisclosureRecord) => Promise<void>;
  logger?: Logger;
  now?: () => Date;
}

export type SyncState = 'building' | 'catching-up' | 'current';

/**
 * A journal entry younger than this is left to its writer, which applies it at once; only one
 * that outlived it (its writer died, or lost the database) is taken over.
 */
const WRITER_GRACE_MS = 2_000;
const JOURNAL_PAGE = 500;
const POLL_MS = 1_000;
/** How long /readyz shows the same row counts while the sync state stays the same. */
const STATUS_COUNTS_MS = 30_000;

/**
 * Keeps the read model in step with MongoDB, as the outbox keeps a channel: every write's claim
 * (its journal entry, core/store/disclosure-store.ts) stays until the write's effects are done —
 * the row applied, the public caches dropped, its fan-outs started — and only then is deleted.
 * The writer does this at once; whoever finds an entry older than the writer's grace (a crash
 * between the write and its effects) does it again, which is harmless: applying is idempotent
 * by version, and a fan-out runs once however often it is started. An entry whose write never
 * landed is released once stale, which is also what frees a disclosure a dead writer blocked.
 */
export function createReadModelSync(deps: SyncDeps) {
  const now = deps.now ?? (() => new Date());
  let state: SyncState = 'catching-up';
  let building: Promise<unknown> | undefined;
  let lastError: string | undefined;

  async function effects(doc: DisclosureRecord, claim: DisclosureClaim): Promise<void> {
    await deps.readModel.apply([doc]);
    if (claim.publicChange) await deps.publicChanged?.(doc);
    if (claim.publicChange) await deps.invalidatePublic?.();
    if (claim.outboxKeys?.length) await deps.enqueueFanOut?.(doc._id.toHexString(), claim.outboxKeys);
    await releaseClaim(deps.store.journal, claim);
  }

  /** One pass over the journal's oldest entries. */
  async function catchUp(options: { all?: boolean } = {}) {
    const counts = { applied: 0, released: 0, waiting: 0 };
    const entries = await deps.store.journal.find({}).limit(JOURNAL_PAGE).toArray();
    const at = now().getTime();
    for (const entry of entries) {
      const age = at - new Date(entry.at).getTime();
      if (!options.all && age < WRITER_GRACE_MS) {
        counts.waiting++;
        continue;
      }
      const { subject, version } = claimOf(entry);
      const doc = await deps.store.get(subject);
      if (doc && doc.version >= version) {
        await effects(doc, entry);
        counts.applied++;
      } else if (age > STALE_CLAIM_MS) {
        // Its write never landed (or its insert failed): nothing to apply, and the version is free again.
        await releaseClaim(deps.store.journal, entry);
        counts.released++;
      } else counts.waiting++;
    }
    return counts;
  }

  async function tick() {
    try {
      const replaced = 'replacedOnDisk' in deps.readModel && (deps.readModel as { replacedOnDisk(): boolean }).replacedOnDisk();
      if (replaced) {
        deps.logger?.warn('read model file was deleted or replaced: reopening and rebuilding it');
        (deps.readModel as unknown as { reopen(): void }).reopen();
      }
      if (!building && !(await deps.readModel.isBuilt())) building = rebuild().finally(() => (building = undefined));
      const counts = await catchUp();
      if (counts.applied || counts.released) deps.logger?.info(counts, 'read model caught up with the journal');
      if (!building) state = counts.waiting || counts.applied === JOURNAL_PAGE ? 'catching-up' : 'current';
      lastError = undefined;
    } catch (error) {
      lastError = (error as Error).message;
      deps.logger?.warn({ err: error }, 'read model sync failed; retrying');
    }
  }

  async function rebuild() {
    state = 'building';
    const started = Date.now();
    const result = await rebuildReadModel(deps.store, deps.readModel);
    deps.logger?.info({ ...result, ms: Date.now() - started }, 'read model rebuilt from MongoDB');
    state = 'catching-up';
  }

  let counted: { at: number; state: SyncState; status: Awaited<ReturnType<ReadModel['status']>> } | undefined;

  const poll = pollEvery(POLL_MS, tick);
  return {
    /** After this process's own write: the effects at once, so its answer already shows the change. */
    written: effects,
    catchUp,
    /** Polls the journal (and rebuilds when the read model is missing) until stop(). */
    start: () => poll.start(),
    stop: () => poll.stop(),
    /** Waits for a rebuild that is under way. */
    settled: () => building ?? Promise.resolve(),
    async status() {
      // Counting rows reads a whole index (a tenth of a second at a million, on the event loop),
      // and /readyz is polled: the counts are kept a while, and made again when the state moves.
      const at = Date.now();
      let made = counted;
      if (!made || made.state !== state || at - made.at > STATUS_COUNTS_MS) counted = made = { at, state, status: await deps.readModel.status() };
      return { ...made.status, sync: state, ...(lastError ? { lastError } : {}) };
    },
  };
}

export type ReadModelSync = ReturnType<typeof createReadModelSync>;

/**
 * A write's effects for a process without the service's wiring (the CLI): the read model row,
 * then every API process's public caches (through the shared epoch). It starts no fan-outs;
 * the writes that need them come from the API.
 */
export function afterWrite(db: Connection, readModel: ReadModel) {
  const sync = createReadModelSync({
    store: disclosureStore(db),
    readModel,
    invalidatePublic: () => createPublicCache(db).invalidate(),
    publicChanged: (doc) => markPublicAttachments(db, doc, new Date()).then(() => undefined),
  });
  return sync.written;
}
