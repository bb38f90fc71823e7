import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteReadModel, type SqliteReadModel } from '../core/read-model/sqlite/sqlite-read-model.ts';

/** A SQLite read model in a fresh temp folder, removed when the process exits. */
export function benchReadModel(label: string): SqliteReadModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gongkai-bench-${label}-`));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return createSqliteReadModel({ file: path.join(dir, 'read-model.sqlite') });
}
