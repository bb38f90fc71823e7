import { Types, type Connection } from 'mongoose';
import { RESPONSE_ITEM_TYPE } from '../../catalogue/index.ts';
import { PUBLIC_STATUSES } from '../../disclosures/list.ts';
import { toPublicSummary } from '../../disclosures/views.ts';
import { publicContent } from '../../disclosures/withholding.ts';
import { NotFoundError } from '../../errors.ts';
import { disclosureCollection, type DisclosureRecord } from '../../models/disclosure.model.ts';

/** At most this many responses are listed per original; more would be a flood, not an answer. */
const MAX_RESPONSES = 100;

function respondsTo(doc: DisclosureRecord): string | undefined {
  const published = doc.revisions.filter((r) => r.publishedAt);
  return published.at(-1)?.content.respondsTo as string | undefined;
}

/**
 * The public 回应 items answering one public disclosure, oldest first. Only the original's own
 * agency can answer it: a response another agency filed pointing here is not listed. The
 * candidates are the agency's public responses (equality filters, which FerretDB pushes down),
 * matched on the current revision's `respondsTo` here rather than by a path into the
 * revisions array.
 */
export async function publicResponsesOf(db: Connection, originalId: string) {
  const collection = disclosureCollection(db);
  const original = await collection.findOne(
    { _id: new Types.ObjectId(originalId), status: { $in: [...PUBLIC_STATUSES] } },
    { projection: { agencyCode: 1, title: 1 } },
  );
  if (!original) throw new NotFoundError(`no public disclosure ${originalId}`);
  const candidates = await collection
    .find(
      { agencyCode: original.agencyCode, itemType: RESPONSE_ITEM_TYPE, status: { $in: [...PUBLIC_STATUSES] } },
      { projection: { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0, outbox: 0 } },
    )
    .toArray();
  const items = candidates
    .filter((doc) => respondsTo(doc) === originalId)
    .sort((a, b) => (a.publishedAt?.getTime() ?? 0) - (b.publishedAt?.getTime() ?? 0))
    .slice(0, MAX_RESPONSES)
    .map((doc) => {
      // Through the public view's own masking: a response filed with withheld text shows the notice.
      const content = publicContent(doc.revisions.filter((r) => r.publishedAt).at(-1)!);
      return { ...toPublicSummary(doc), text: content.text, summary: content.summary };
    });
  return { id: originalId, title: original.title, items };
}
