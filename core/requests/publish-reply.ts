import type { Principal } from '../agencies/api-keys.ts';
import { REQUEST_RESULT_ITEM_TYPE } from '../catalogue/index.ts';
import { open } from '../crypto/sealed.ts';
import { createDisclosure } from '../disclosures/create.ts';
import { createDisclosureInput } from '../disclosures/input.ts';
import { toAgencyView } from '../disclosures/views.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { Services } from '../services.ts';
import { requireKeys } from './deps.ts';
import type { z } from 'zod';
import type { publishReplyInput } from './input.ts';

const PUBLISHABLE = new Set(['already-public', 'disclosed', 'partly-disclosed']);

/**
 * One step from a reply to a proactive disclosure: a draft 依申请公开结果 made through the normal
 * create path (so it is reviewed, published and delivered like any other item), with the
 * agency's title and summary only. Text naming the requester (name, ID number, phone, email)
 * is refused, naming the field. Retries give the same draft (its Idempotency-Key is the receipt).
 */
export async function publishReply(services: Services, principal: Principal, id: string, body: z.infer<typeof publishReplyInput>) {
  const deps = services.requests;
  const doc = await deps.store.get(id);
  if (!doc || doc.agencyCode !== principal.agencyCode) throw new NotFoundError('no such request');
  if (!doc.reply || !PUBLISHABLE.has(doc.reply.decision)) throw new ConflictError('only a reply that discloses information can be made public');
  const keys = requireKeys(deps);
  const contact = JSON.parse(open(keys, doc.requester.contact, `request:${id}:contact`)) as Record<string, string>;
  const personal = [open(keys, doc.requester.name, `request:${id}:name`), open(keys, doc.requester.idNumber, `request:${id}:idNumber`), contact.phone, contact.email, id].filter(
    (v): v is string => typeof v === 'string' && v.length >= 2,
  );
  const problems = (['title', 'summary'] as const).filter((field) => personal.some((p) => body[field].includes(p)));
  if (problems.length) throw new ValidationError('the text names the requester', problems.map((path) => ({ path, message: 'must not contain the requester’s name, ID number, contact or receipt number' })));
  const input = createDisclosureInput.parse({
    field: body.field,
    itemType: REQUEST_RESULT_ITEM_TYPE,
    title: body.title,
    region: body.region,
    formedAt: doc.reply.on,
    basis: 'produce',
    content: { decision: doc.reply.decision, answeredOn: doc.reply.on, summary: body.summary },
  });
  const { disclosure, replayed } = await createDisclosure(services.disclosures, principal, input, `request-result:${id}`);
  if (!replayed || !doc.reply.disclosureId) {
    const written = await deps.store.write(id, principal.keyId, deps.now, (current, at) =>
      current.reply?.disclosureId ? null : { set: { 'reply.disclosureId': disclosure._id.toHexString(), updatedAt: at } as never },
    );
    if (written?.changed) await deps.written(written.doc, written.claim);
  }
  return { disclosure: toAgencyView(disclosure), replayed };
}
