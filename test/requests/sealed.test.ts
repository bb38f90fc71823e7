import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../core/config.ts';
import { isSealed, open, parseKey, reseal, seal, SealError, sealedKeyId, sealKeys } from '../../core/crypto/sealed.ts';

const k1 = sealKeys({ id: 'k1', key: Buffer.alloc(32, 1) });
const HEX = '11'.repeat(32);
const B64 = Buffer.alloc(32, 2).toString('base64');

describe('sealed values (AES-256-GCM)', () => {
  it('round-trips, never shows the plaintext, and differs each time', () => {
    const a = seal(k1, '11010519491231002X', 'request:Y1:idNumber');
    const b = seal(k1, '11010519491231002X', 'request:Y1:idNumber');
    expect(a).not.toBe(b);
    expect(a).not.toContain('11010519491231002X');
    expect(isSealed(a) && sealedKeyId(a)).toBe('k1');
    expect(open(k1, a, 'request:Y1:idNumber')).toBe('11010519491231002X');
  });

  it('fails loudly with a wrong key, another context, altered data or an unknown key id', () => {
    const sealed = seal(k1, '张晓明', 'request:Y1:name');
    expect(() => open(sealKeys({ id: 'k1', key: Buffer.alloc(32, 9) }), sealed, 'request:Y1:name')).toThrow(SealError);
    expect(() => open(k1, sealed, 'request:Y2:name')).toThrow(SealError);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64url').toString('latin1'), 'latin1').toString('base64url');
    expect(() => open(k1, parts.join('.'), 'request:Y1:name')).toThrow(SealError);
    expect(() => open(sealKeys({ id: 'k2', key: Buffer.alloc(32, 1) }), sealed, 'request:Y1:name')).toThrow(/key k1, which is not configured/);
  });

  it('opens values of a previous key after rotation and re-seals them with the current one', () => {
    const old = seal(k1, '13800138000', 'c');
    const rotated = sealKeys({ id: 'k2', key: Buffer.alloc(32, 2) }, [{ id: 'k1', key: Buffer.alloc(32, 1) }]);
    expect(open(rotated, old, 'c')).toBe('13800138000');
    const moved = reseal(rotated, old, 'c');
    expect(sealedKeyId(moved)).toBe('k2');
    expect(open(sealKeys({ id: 'k2', key: Buffer.alloc(32, 2) }), moved, 'c')).toBe('13800138000');
    expect(reseal(rotated, moved, 'c')).toBe(moved);
  });

  it('reads DATA_ENCRYPTION_KEY as hex or base64 and refuses anything else, naming the variable', () => {
    expect(parseKey(HEX)).toEqual(Buffer.alloc(32, 0x11));
    expect(loadConfig({ DATA_ENCRYPTION_KEY: B64 }).dataKeys?.current).toMatchObject({ id: 'k1', key: Buffer.alloc(32, 2) });
    const rotated = loadConfig({ DATA_ENCRYPTION_KEY: B64, DATA_ENCRYPTION_KEY_ID: 'k2', DATA_ENCRYPTION_PREVIOUS_KEYS: `k1:${HEX}` }).dataKeys!;
    expect(rotated.previous).toEqual([{ id: 'k1', key: Buffer.alloc(32, 0x11) }]);
    expect(loadConfig({}).dataKeys).toBeUndefined();
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: 'short' })).toThrow(/^DATA_ENCRYPTION_KEY /);
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: HEX, DATA_ENCRYPTION_PREVIOUS_KEYS: 'k1' })).toThrow(/^DATA_ENCRYPTION_PREVIOUS_KEYS /);
  });
});
