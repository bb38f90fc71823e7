import { reseal, sealedKeyId } from '../crypto/sealed.ts';
import { naturalScan } from '../store/scan.ts';
import { requireKeys, type RequestDeps } from './deps.ts';

const FIELDS = ['name', 'idNumber', 'contact'] as const;

/**
 * After a key rotation (DATA_ENCRYPTION_KEY new, the old one in DATA_ENCRYPTION_PREVIOUS_KEYS):
 * every request whose sealed values name another key is sealed again with the current one, one
 * versioned write per request, so it can run while the service does and be run again. When it
 * reports no request left, the old key can be dropped.
 */
export async function resealRequests(deps: RequestDeps): Promise<{ scanned: number; resealed: number }> {
  const keys = requireKeys(deps);
  let scanned = 0;
  let resealed = 0;
  for await (const doc of naturalScan(deps.store.docs, { _id: 1, 'requester.name': 1, 'requester.idNumber': 1, 'requester.contact': 1, description: 1 })) {
    scanned++;
    const values = [...FIELDS.map((f) => doc.requester[f]), doc.description];
    if (values.every((v) => sealedKeyId(v) === keys.current.id)) continue;
    const result = await deps.store.write(doc._id, 'reseal', deps.now, (current) => {
      const set: Record<string, string> = {};
      for (const f of FIELDS) {
        const value = current.requester[f];
        if (sealedKeyId(value) !== keys.current.id) set[`requester.${f}`] = reseal(keys, value, `request:${current._id}:${f}`);
      }
      if (sealedKeyId(current.description) !== keys.current.id) set.description = reseal(keys, current.description, `request:${current._id}:description`);
      return Object.keys(set).length ? { set: set as never } : null;
    });
    if (result?.changed) {
      resealed++;
      await deps.written(result.doc, result.claim);
    }
  }
  return { scanned, resealed };
}
