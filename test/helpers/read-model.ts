import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { createSqliteReadModel, type SqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';

const dirs: string[] = [];
const models: SqliteReadModel[] = [];
// Registered when the file is collected: a hook added from inside a running test never runs.
afterAll(async () => {
  for (const model of models.splice(0)) await model.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A SQLite read model in a folder of its own, as `npm start` opens one in the data folder. */
export function testReadModel(options: { now?: () => number } = {}): SqliteReadModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-read-model-'));
  dirs.push(dir);
  const model = createSqliteReadModel({ file: path.join(dir, 'read-model.sqlite'), ...options });
  models.push(model);
  return model;
}
