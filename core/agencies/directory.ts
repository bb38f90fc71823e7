import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { regionPrefix } from '../disclosures/create.ts';
import { agencyModel } from '../models/agency.model.ts';

/** What anyone may know of an agency: nothing of its settings (requireReview) or keys. */
export interface PublicAgency {
  code: string;
  name: string;
  region?: string;
}

export interface AgencyDirectoryOptions {
  /** How old the list may get before the next read loads it again (other processes' changes). */
  refreshMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** One loaded list; `version` changes whenever the list is loaded again, so caches can key on it. */
export interface DirectorySnapshot {
  readonly version: number;
  readonly agencies: readonly PublicAgency[];
}

/**
 * Agency changes made through this connection since it was opened: `createAgency` and
 * `updateAgency` count them here, and every directory on the same connection reloads at its
 * next read. Other processes (the CLI, other API processes) are seen at the next refresh.
 */
const changes = new WeakMap<Connection, number>();

/** Called after an agency was created or changed through `db`. */
export function agencyChanged(db: Connection): void {
  changes.set(db, (changes.get(db) ?? 0) + 1);
}

/**
 * The public list of agencies, held in memory: a read costs no query while the list is younger
 * than `refreshMs` and no agency changed in this process. FerretDB 1.x decodes the whole
 * collection for any query but by `_id`, so the list is loaded once a refresh, never per request;
 * concurrent reads of a stale list wait for one load.
 */
export function createAgencyDirectory(db: Connection, { refreshMs = 60_000, now = Date.now, logger }: AgencyDirectoryOptions = {}) {
  let current: (DirectorySnapshot & { loadedAt: number; changes: number }) | undefined;
  let loading: { seen: number; done: Promise<DirectorySnapshot> } | undefined;
  let version = 0;

  const isFresh = (c: NonNullable<typeof current>) => c.changes === (changes.get(db) ?? 0) && now() - c.loadedAt < refreshMs;

  async function load(seen: number): Promise<DirectorySnapshot> {
    const startedAt = now();
    try {
      const docs = await agencyModel(db).find({}, { _id: 0, code: 1, name: 1, region: 1 }).lean();
      const agencies = docs
        .map((a): PublicAgency => ({ code: a.code, name: a.name, ...(a.region ? { region: a.region } : {}) }))
        .sort((a, b) => (a.region ?? '999999').localeCompare(b.region ?? '999999') || a.code.localeCompare(b.code));
      // A slower load begun before a newer one finished must not put its older list back.
      if (!current || seen >= current.changes) current = { version: ++version, agencies, loadedAt: startedAt, changes: seen };
      return current;
    } catch (error) {
      // A list that is a little old beats none while the database is away; the next read retries.
      if (!current) throw error;
      logger?.warn({ err: error }, 'agency directory not refreshed; serving the list loaded before');
      return current;
    }
  }

  function snapshot(): Promise<DirectorySnapshot> {
    if (current && isFresh(current)) return Promise.resolve(current);
    const seen = changes.get(db) ?? 0;
    // A load begun before a change made here may have missed it: that one does not count.
    if (loading && loading.seen === seen) return loading.done;
    const started = { seen, done: load(seen) };
    loading = started;
    void started.done.finally(() => {
      if (loading === started) loading = undefined;
    }).catch(() => undefined);
    return started.done;
  }

  return {
    /** The current list, loading it first when it is older than `refreshMs` or changed here. */
    snapshot,
    /** The agencies of one region and its districts (110000 covers every 11xxxx), or all. */
    async list(region?: string): Promise<readonly PublicAgency[]> {
      const { agencies } = await snapshot();
      return region ? inRegion(agencies, region) : agencies;
    },
  };
}

export type AgencyDirectory = ReturnType<typeof createAgencyDirectory>;

/** The disclosure list's region rule: trailing 00 pairs are a prefix (110000 → 11, 110100 → 1101). */
export function inRegion(agencies: readonly PublicAgency[], region: string): PublicAgency[] {
  const prefix = regionPrefix(region);
  return agencies.filter((a) => a.region?.startsWith(prefix));
}
