import type { Connection } from 'mongoose';
import { loadConfig } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { ensureEmbeddedDb } from '../core/embedded/embedded-db.ts';
import type { ReadModel } from '../core/read-model/types.ts';

/**
 * Runs a CLI action against the configured database, starting the embedded FerretDB for the
 * duration of the command when nothing is listening on its port.
 */
export async function withDb<T>(action: (db: Connection) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const embedded =
    config.database.kind === 'embedded'
      ? await ensureEmbeddedDb(config.database, (line) => process.stderr.write(`gongkai: ${line}\n`))
      : null;
  try {
    const db = await connectDb(config.database);
    try {
      return await action(db);
    } finally {
      await db.close();
    }
  } finally {
    await embedded?.stop();
  }
}

/** Commands print exactly one JSON object on stdout, for scripts to read. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/**
 * As withDb, with the configured read model open (READ_MODEL): the CLI reads and writes the same
 * SQLite file (or MongoDB collection) as the service, which may be running meanwhile.
 */
export async function withReadModel<T>(action: (db: Connection, readModel: ReadModel) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // Imported here: every command loads this file, and the read model brings jieba (search).
  const { openReadModel } = await import('../core/read-model/open.ts');
  return withDb(async (db) => {
    const readModel = await openReadModel(config.readModel, db);
    try {
      return await action(db, readModel);
    } finally {
      await readModel.close();
    }
  });
}
