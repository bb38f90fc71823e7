import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { sealedKeyId } from '../../core/crypto/sealed.ts';
import type { SqliteReadModel } from '../../core/read-model/sqlite/sqlite-read-model.ts';
import { agencyWithKey, registryApp } from '../helpers/registry.ts';
import { requestBody } from '../requests/world.ts';

const BIN = path.resolve('bin/gongkai.js');
const SLOW = 120_000;
const { db, http, services } = await registryApp('requests_reseal_cli');
await agencyWithKey(db, 'bj-haidian-zjw');

describe('npx gongkai requests reseal', () => {
  it('seals every request with the new key after a rotation', { timeout: SLOW }, async () => {
    const { receiptNumber } = (await http().post('/api/v1/requests').send(requestBody('bj-haidian-zjw'))).body;
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MONGODB_URI: `${inject('mongoUri')}${db.name}`,
      READ_MODEL_FILE: (services.readModel as SqliteReadModel).file,
      DATA_ENCRYPTION_KEY: '09'.repeat(32),
      DATA_ENCRYPTION_KEY_ID: 'test2',
      DATA_ENCRYPTION_PREVIOUS_KEYS: `test1:${'07'.repeat(32)}`,
    };
    const run = spawnSync(process.execPath, [BIN, 'requests', 'reseal'], { env, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ keyId: 'test2', scanned: 1, resealed: 1 });
    const doc = (await services.requests.store.get(receiptNumber))!;
    expect(sealedKeyId(doc.requester.idNumber)).toBe('test2');
  });
});
