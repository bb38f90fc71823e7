import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { parseKey, sealKeys, type SealKeys } from './sealed.ts';

/**
 * The id written in values sealed with a generated development key: not DATA_ENCRYPTION_KEY_ID's
 * `k1`, so that moving to a real key reads them through DATA_ENCRYPTION_PREVIOUS_KEYS=dev:<key>.
 */
export const DEVELOPMENT_KEY_ID = 'dev';

/**
 * The development key in `file`, made first when there is none: 32 random bytes as hex, mode
 * 0600. The key is written whole to a file of this process's own, which is then hard-linked to
 * `file`: the link fails when the file exists (like opening with `wx`), so two processes
 * starting at once keep whichever key was linked first, and neither can read a half-written key.
 */
export function loadOrCreateDevelopmentKey(file: string): { key: Buffer; created: boolean } {
  const existing = readKeyFile(file);
  if (existing) return { key: existing, created: false };
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const own = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let created = false;
  try {
    const fd = fs.openSync(own, 'wx', 0o600);
    try {
      fs.writeSync(fd, `${randomBytes(32).toString('hex')}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(own, file);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } finally {
    fs.rmSync(own, { force: true });
  }
  return { key: readKeyFile(file)!, created };
}

function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return parseKey(text);
  } catch {
    // Never replaced: requests sealed with the key it held would become unreadable.
    throw new Error(`${file} does not hold a 32-byte key (64 hex digits); restore it, or set DATA_ENCRYPTION_KEY`);
  }
}

/**
 * The keys an API process seals requests with, and the start-up warning when they are not
 * DATA_ENCRYPTION_KEY's: DATA_ENCRYPTION_KEY; else, on the embedded default outside production, the
 * development key in the data folder (made on first start); else none, and requests answer 503.
 */
export function startupDataKeys(config: Pick<Config, 'dataKeys' | 'developmentKeyFile' | 'production'>): { keys?: SealKeys; warning?: string; file?: string } {
  if (config.dataKeys) return { keys: config.dataKeys };
  if (config.developmentKeyFile) {
    const { key, created } = loadOrCreateDevelopmentKey(config.developmentKeyFile);
    return {
      keys: sealKeys({ id: DEVELOPMENT_KEY_ID, key }),
      file: config.developmentKeyFile,
      warning: `${created ? 'generated a development data key' : 'using the development data key'} in the embedded data folder for information requests; production must set DATA_ENCRYPTION_KEY`,
    };
  }
  const why = config.production ? 'NODE_ENV=production' : 'MONGODB_URI is set';
  return { warning: `DATA_ENCRYPTION_KEY is not set (${why}, so no development key is generated): information requests (依申请公开) answer 503 and the website form is closed` };
}
