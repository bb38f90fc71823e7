import { RESPONSE_ITEM_TYPE } from '../../catalogue/index.ts';
import { PUBLIC_STATUSES } from '../../disclosures/public-statuses.ts';
import type { ReadModel } from '../../read-model/types.ts';
import type { DisclosureStore } from '../../store/disclosure-store.ts';
import { toPublicSummary } from '../../disclosures/views.ts';
import { publicContent } from '../../disclosures/withholding.ts';
import { NotFoundError } from '../../errors.ts';
import type { DisclosureRecord } from '../../models/disclosure.model.ts';

const PUBLIC = new Set<string>(PUBLIC_STATUSES);

/** At most this many responses are listed per original; more would be a flood, not an answer. */
const MAX_RESPONSES = 100;

function respondsTo(doc: DisclosureRecord): string | undefined {
  const published = doc.revisions.filter((r) => r.publishedAt);
  return published.at(-1)?.content.respondsTo as string | undefined;
}

/**
 * The public 回应 items answering one public disclosure, oldest first. Only the original's own
 * agency can answer it: a response another agency filed pointing here is not listed. The
 * read model names the candidates; each is read back by id and checked here.
 */
export async function publicResponsesOf(deps: { store: DisclosureStore; readModel: ReadModel }, originalId: string) {
  const original = await deps.store.get(originalId, { projection: { agencyCode: 1, title: 1, status: 1 } });
  if (!original || !PUBLIC.has(original.status)) throw new NotFoundError(`no public disclosure ${originalId}`);
  const ids = await deps.readModel.responsesTo(original.agencyCode, originalId, MAX_RESPONSES);
  const candidates = await deps.store.getMany(ids, { projection: { searchTokens: 0, events: 0, requestHash: 0, idempotencyKey: 0, outbox: 0 } });
  const items = candidates
    // Checked again on the stored document: the read model only proposes.
    .filter((doc) => doc.agencyCode === original.agencyCode && doc.itemType === RESPONSE_ITEM_TYPE && PUBLIC.has(doc.status) && respondsTo(doc) === originalId)
    .sort((a, b) => (a.publishedAt?.getTime() ?? 0) - (b.publishedAt?.getTime() ?? 0))
    .map((doc) => {
      // Through the public view's own masking: a response filed with withheld text shows the notice.
      const content = publicContent(doc.revisions.filter((r) => r.publishedAt).at(-1)!);
      return { ...toPublicSummary(doc), text: content.text, summary: content.summary };
    });
  return { id: originalId, title: original.title, items };
}
