import { sealKeys } from '../../core/crypto/sealed.ts';

/** A fixed data key for tests (never a real one): requests' personal data are sealed with it. */
export const TEST_DATA_KEYS = sealKeys({ id: 'test1', key: Buffer.alloc(32, 7) });

/** Another key under the same id: opening with it must fail loudly. */
export const WRONG_DATA_KEYS = sealKeys({ id: 'test1', key: Buffer.alloc(32, 8) });
