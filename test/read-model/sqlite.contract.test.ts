import fs from 'node:fs';
import { createSqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';
import { connectTestDb } from '../helpers/db.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { readModelContract } from './contract.ts';

readModelContract('SQLite (embedded)', async () => {
  const readModel = testReadModel();
  return {
    db: await connectTestDb('read_model_sqlite'),
    readModel,
    // Every byte on disk: the database file and its write-ahead log.
    sampled: async (facetSample) => createSqliteReadModel({ file: readModel.file, facetSample }),
    leaks: async () => [readModel.file, `${readModel.file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f).toString('utf8')).join('\n'),
  };
});
