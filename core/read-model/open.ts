import type { Connection } from 'mongoose';
import type { Config } from '../config.ts';
import { createMongoReadModel } from './mongo/mongo-read-model.ts';
import { createSqliteReadModel } from './sqlite/sqlite-read-model.ts';
import type { ReadModel } from './types.ts';

/** The configured read model (READ_MODEL, READ_MODEL_FILE) on this process's connection. */
export async function openReadModel(config: Config['readModel'], db: Connection): Promise<ReadModel> {
  if (config.kind === 'mongodb') {
    if (!db.db) throw new Error('database connection is not open');
    return createMongoReadModel(db.db);
  }
  return createSqliteReadModel({ file: config.file, database: db.name });
}
