import fs from 'node:fs';
import path from 'node:path';
import type { DisclosureRecord } from '../../models/disclosure.model.ts';
import { rowOf } from '../row.ts';
import type { ReadModel, RowDigest } from '../types.ts';
import { agencyQueries } from './agency-queries.ts';
import { rowWriter } from './apply.ts';
import { publicQueries } from './public-queries.ts';
import { sqliteRequests } from './request-queries.ts';
import { openReadModelFile, type OpenedFile } from './schema.ts';

export interface SqliteReadModelOptions {
  /** The database file; its -wal and -shm files sit beside it. */
  file: string;
  /** The MongoDB database it mirrors: a file made for another one is emptied and rebuilt. */
  database?: string;
  now?: () => number;
  /** How many of a search's newest matches its facets count (FACET_SAMPLE); tests lower it. */
  facetSample?: number;
}

export interface SqliteReadModel extends ReadModel {
  readonly file: string;
  /** True when the file at `file` is no longer the one this process has open (deleted or replaced). */
  replacedOnDisk(): boolean;
  /** Opens the file at `file` again (a fresh, unbuilt one when it was deleted). */
  reopen(): void;
}

/**
 * The embedded read model: one SQLite file in the data folder (WAL, so every process on the
 * machine reads it while one writes). better-sqlite3 is synchronous: each query is a few
 * milliseconds of this thread, cheaper than the promise machinery an async driver would add.
 */
export function createSqliteReadModel(options: SqliteReadModelOptions): SqliteReadModel {
  const file = path.resolve(options.file);
  const now = options.now ?? Date.now;
  let opened: OpenedFile;
  let parts: ReturnType<typeof wire>;
  const wire = (o: OpenedFile) => ({
    write: rowWriter(o.db),
    pub: publicQueries(o.db, now, options.facetSample),
    agency: agencyQueries(o.db),
    meta: {
      get: o.db.prepare<[string]>(`SELECT value FROM meta WHERE key = ?`).pluck(),
      set: o.db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    },
  });
  const open = () => {
    opened = openReadModelFile(file);
    parts = wire(opened);
    const mirrors = parts.meta.get.get('database') as string | undefined;
    if (options.database && mirrors !== options.database) {
      if (mirrors !== undefined) parts.meta.set.run('built', '0');
      parts.meta.set.run('database', options.database);
    }
  };
  open();

  return {
    kind: 'sqlite',
    file,
    async apply(docs: readonly DisclosureRecord[]) {
      return parts.write(docs.map(rowOf));
    },
    async reset() {
      opened.db.transaction(() => {
        for (const table of ['items', 'corrections', 'public_items', 'application_numbers', 'facet_cube']) opened.db.exec(`DELETE FROM ${table}`);
        opened.db.exec(`DELETE FROM search`);
        parts.meta.set.run('built', '0');
      })();
    },
    async markBuilt() {
      parts.meta.set.run('built', new Date(now()).toISOString());
    },
    async isBuilt() {
      const built = parts.meta.get.get('built') as string | undefined;
      return Boolean(built && built !== '0');
    },
    async status() {
      const count = (table: string) => opened.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      return {
        kind: 'sqlite',
        state: (await this.isBuilt()) ? 'ready' : 'building',
        rows: count('items'),
        publicRows: count('public_items'),
        location: file,
      };
    },
    async *digests(): AsyncIterable<RowDigest> {
      // Read in pages, not one iterate(): a writer in this process must not wait on an open read.
      let after = '';
      for (;;) {
        const page = opened.db.prepare(`SELECT id, version, hash FROM items WHERE id > ? ORDER BY id LIMIT 1000`).all(after) as RowDigest[];
        if (!page.length) return;
        yield* page;
        after = page.at(-1)!.id;
      }
    },
    async listPublic(query) {
      return parts.pub.list(query);
    },
    async recentlyChanged(filter, limit, since) {
      return parts.pub.recentlyChanged(filter, limit, since);
    },
    async publicSitemap(offset, limit) {
      return parts.pub.publicSitemap(offset, limit);
    },
    async closingBetween(filter, from, to, limit) {
      return parts.pub.closingBetween(filter, from, to, limit);
    },
    async listAgency(agencyCode, query) {
      return parts.agency.listAgency(agencyCode, query);
    },
    async pendingCompliance(agencyCode, horizon, limit) {
      return parts.agency.pendingCompliance(agencyCode, horizon, limit);
    },
    async pendingReviews(agencyCode, limit) {
      return parts.agency.pendingReviews(agencyCode, limit);
    },
    async annualReport(start, end, agencyCode) {
      return parts.agency.annualReport(start, end, agencyCode);
    },
    async namedIn(agencyCode, names) {
      return parts.agency.namedIn(agencyCode, names);
    },
    async responsesTo(agencyCode, originalId, limit) {
      return parts.agency.responsesTo(agencyCode, originalId, limit);
    },
    requests: sqliteRequests(() => opened.db),
    replacedOnDisk() {
      try {
        return fs.statSync(file).ino !== opened.inode;
      } catch {
        return true;
      }
    },
    reopen() {
      opened.db.close();
      open();
    },
    async close() {
      if (opened.db.open) opened.db.close();
    },
  };
}
