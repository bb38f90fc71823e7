import * as crypto from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { authenticateKey, createApiKey, revokeApiKey } from '../../core/agencies/api-keys.ts';
import { agencyWithKey, registryApp } from '../helpers/registry.ts';

// Count the constant-time comparisons authenticateKey makes; the comparison itself stays real.
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
const timingSafeEqual = vi.mocked(crypto.timingSafeEqual);

const { db, http } = await registryApp('key_lifecycle');
const { code, apiKey } = await agencyWithKey(db, 'bj-tongzhou-zjw', 'press');
const keyId = apiKey.split('_')[1]!;
const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
const get = (key: string) => http().get('/api/v1/agency/disclosures').set(bearer(key));

/** Another secret for the same key id, and a key id nobody was given, both well formed. */
const wrongSecret = `gk_${keyId}_${'ab'.repeat(32)}`;
const unknownKeyId = `gk_${'0123456789abcdef'}_${apiKey.split('_')[2]}`;

describe('comparing API keys', () => {
  it('does one constant-time comparison of 32-byte hashes, whether or not the key id exists', async () => {
    for (const token of [apiKey, wrongSecret, unknownKeyId]) {
      timingSafeEqual.mockClear();
      await authenticateKey(db, token).catch(() => undefined);
      expect(timingSafeEqual, token === apiKey ? 'valid' : token === wrongSecret ? 'wrong secret' : 'unknown key id').toHaveBeenCalledTimes(1);
      const [expected, given] = timingSafeEqual.mock.calls[0]! as [Buffer, Buffer];
      expect([expected.length, given.length]).toEqual([32, 32]);
    }
  });

  it('answers a wrong secret and an unknown key id alike: 401 "invalid API key"', async () => {
    const answers = await Promise.all([get(wrongSecret), get(unknownKeyId)]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'unauthenticated', message: 'invalid API key' });
    }
  });

  it('refuses malformed keys before any database lookup or comparison', async () => {
    timingSafeEqual.mockClear();
    for (const token of ['gk_short', `${apiKey}0`, apiKey.toUpperCase(), `gk_${keyId}_${'g'.repeat(64)}`]) {
      expect((await get(token)).status).toBe(401);
    }
    expect(timingSafeEqual).not.toHaveBeenCalled();
  });
});

describe('key lifecycle', () => {
  it('accepts a live key, then answers 401 "API key revoked" once it is revoked', async () => {
    const key = await createApiKey(db, { agencyCode: code, role: 'publisher' });
    expect((await get(key.apiKey)).status).toBe(200);
    await revokeApiKey(db, key.keyId);
    const res = await get(key.apiKey);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'unauthenticated', message: 'API key revoked' });
    // The other keys of the agency keep working.
    expect((await get(apiKey)).status).toBe(200);
    await expect(revokeApiKey(db, key.keyId)).rejects.toMatchObject({ status: 404 });
  });

  it('answers 401 "API key expired" from the expiry instant on, and not before', async () => {
    const expiresAt = new Date('2026-12-31T16:00:00Z');
    const key = await createApiKey(db, { agencyCode: code, role: 'admin', expiresAt });
    await expect(authenticateKey(db, key.apiKey, new Date(expiresAt.getTime() - 1))).resolves.toMatchObject({ role: 'admin' });
    await expect(authenticateKey(db, key.apiKey, expiresAt)).rejects.toMatchObject({ status: 401, message: 'API key expired' });
  });

  it('refuses an expired key over HTTP', async () => {
    const key = await createApiKey(db, { agencyCode: code, role: 'publisher', expiresAt: new Date('2020-01-01T00:00:00Z') });
    const res = await http().post('/api/v1/disclosures').set(bearer(key.apiKey)).send({});
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('API key expired');
  });
});
