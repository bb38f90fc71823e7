import { createHmac, randomBytes } from 'node:crypto';
import { todayInChina } from '../calendar/due-date.ts';
import { canonicalJson } from '../disclosures/canonical.ts';
import { seal, type SealKeys } from '../crypto/sealed.ts';
import { ConflictError, ValidationError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { requireKeys, sha256Hex, type RequestDeps } from './deps.ts';
import type { SubmitRequestInput } from './input.ts';
import type { InfoRequestRecord, RequestChannel, StoredEvent } from './request.model.ts';

/** Crockford's base32 without I, L, O, U: read aloud or copied by hand without mistakes. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function code(bytes: Buffer, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i]! % 32];
  return out;
}

export interface Submitted {
  receiptNumber: string;
  /** Shown once: with the receipt number it opens the status page. Only its hash is stored. */
  accessCode: string;
  replayed: boolean;
  doc: InfoRequestRecord;
}

export interface SubmitOptions {
  channel: RequestChannel;
  residentId?: string;
  /** A retried submission with the same key gets the same receipt number and access code. */
  idempotencyKey?: string;
  /** Staff registering an in-person or posted request: the day it was received (第三十一条第（一）（二）项). */
  receivedOn?: string;
  by?: string;
}

/**
 * Takes a request. Submitted online (web, mini-program, API), it waits for the agency to confirm
 * receipt: 第三十一条第（三）项 makes 双方确认之日 the day of receipt for the internet. Registered
 * by staff, in person or by post, it is received on the day given.
 */
export async function submitRequest(deps: RequestDeps, input: SubmitRequestInput, options: SubmitOptions): Promise<Submitted> {
  const keys = requireKeys(deps);
  const agency = await agencyModel(deps.db).findOne({ code: input.agency }, { code: 1 }).lean();
  if (!agency) throw new ValidationError('no such agency', [{ path: 'agency', message: 'no agency has this code' }]);
  const now = deps.now();
  const today = todayInChina(now);
  if (options.receivedOn && options.receivedOn > today) throw new ValidationError('receipt in the future', [{ path: 'receivedOn', message: 'cannot be after today' }]);
  const bodyHash = sha256Hex(canonicalJson(input));
  const scope = `${options.channel}:${options.residentId ?? ''}:${options.idempotencyKey ?? ''}`;
  const material = options.idempotencyKey ? createHmac('sha256', keys.current.key).update(scope).digest() : randomBytes(32);
  const id = `Y${(options.receivedOn ?? today).replaceAll('-', '')}-${code(material, 8)}`;
  const accessCode = code(material.subarray(16), 10);
  const submittedOn = options.receivedOn ?? today;
  const by = options.by ?? 'requester';
  const events: StoredEvent[] = [{ type: 'submitted', on: submittedOn, channel: options.channel, at: now, by }];
  if (options.receivedOn) events.push({ type: 'received', on: options.receivedOn, at: now, by });
  const doc: InfoRequestRecord = {
    _id: id,
    version: 1,
    agencyCode: input.agency,
    channel: options.channel,
    ...(options.residentId ? { residentId: options.residentId } : {}),
    requester: {
      type: input.requester.type,
      name: seal(keys, input.requester.name, `request:${id}:name`),
      idType: input.requester.idType,
      idNumber: seal(keys, input.requester.idNumber, `request:${id}:idNumber`),
      contact: seal(keys, JSON.stringify(input.requester.contact), `request:${id}:contact`),
    },
    description: seal(keys, input.description, `request:${id}:description`),
    delivery: input.delivery,
    accessCodeHash: sha256Hex(accessCode),
    bodyHash,
    events,
    submittedAt: now,
    updatedAt: now,
  };
  const claim = await deps.store.insert(doc, now);
  if (!claim) {
    const existing = await deps.store.get(id);
    if (!existing || existing.bodyHash !== bodyHash || existing.accessCodeHash !== doc.accessCodeHash) {
      throw new ConflictError('this Idempotency-Key was used for another request', [{ path: 'Idempotency-Key', message: 'use a new key for a new request' }]);
    }
    return { receiptNumber: id, accessCode, replayed: true, doc: existing };
  }
  await deps.written(doc, claim);
  for (const event of doc.events) await deps.audit(doc, event, by === 'requester' ? { kind: 'requester' } : { kind: 'key', keyId: by, agencyCode: doc.agencyCode });
  return { receiptNumber: id, accessCode, replayed: false, doc };
}

/** Seals a value of the request in its own context (a corrected description, say). */
export function sealFor(keys: SealKeys, id: string, field: string, value: string): string {
  return seal(keys, value, `request:${id}:${field}`);
}
