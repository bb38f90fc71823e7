import { Types, type Connection } from 'mongoose';
import type { Principal } from '../../agencies/api-keys.ts';
import { RESPONSE_ITEM_TYPE } from '../../catalogue/index.ts';
import { todayInChina } from '../../calendar/due-date.ts';
import { createDisclosure } from '../../disclosures/create.ts';
import type { DisclosureDeps } from '../../disclosures/deps.ts';
import { PUBLIC_STATUSES } from '../../disclosures/list.ts';
import { publishOrRequestReview } from '../../disclosures/review.ts';
import { ValidationError } from '../../errors.ts';
import { disclosureCollection, type DisclosureRecord } from '../../models/disclosure.model.ts';
import { FieldNotFoundError } from './weibo-outcome.ts';

export interface ResponseItemInput {
  /** The original disclosure's id. */
  respondsTo: string;
  text: string;
  summary?: string;
  /** Makes a retried call find the item the first one created (the disclosure's Idempotency-Key). */
  idempotencyKey: string;
  /** 形成日期; default today in China. A retry passes the first attempt's, or its request would differ. */
  formedAt?: string;
}

const TITLE_MAX = 200;
const isPublic = (doc: Pick<DisclosureRecord, 'status'>) => (PUBLIC_STATUSES as readonly string[]).includes(doc.status);

/**
 * The original a 回应 may answer: a disclosure the public can see (withdrawn ones included: the
 * answer may explain the withdrawal), published by the responding agency itself (谁公开谁回应).
 * Another agency's item looks the same as a missing one, so ids cannot be probed.
 */
export async function requireRespondableOriginal(db: Connection, agencyCode: string, id: string, path = 'respondsTo'): Promise<DisclosureRecord> {
  const doc = Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/.test(id) ? await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) }) : null;
  if (!doc || doc.agencyCode !== agencyCode || !isPublic(doc)) {
    throw new FieldNotFoundError(`没有本机关已公开的事项 ${id}`, [{ path, message: '应为本机关已公开的事项' }]);
  }
  if (doc.itemType === RESPONSE_ITEM_TYPE) {
    throw new ValidationError('a response answers a disclosure, not another response', [
      { path, message: '回应应针对原公开事项，而不是另一条回应' },
    ]);
  }
  return doc;
}

function responseTitle(original: DisclosureRecord): string {
  const title = `关于“${original.title}”的回应`;
  const chars = Array.from(title);
  return chars.length <= TITLE_MAX ? title : `${chars.slice(0, TITLE_MAX - 1).join('')}…`;
}

/**
 * Creates and publishes a 回应 item through the ordinary disclosure functions, so fan-out, feeds,
 * search and audit treat it like any disclosure. Retry-safe: the same idempotency key replays the
 * first draft, and publishing a published item changes nothing.
 */
export async function publishResponseItem(deps: DisclosureDeps, principal: Principal, input: ResponseItemInput): Promise<DisclosureRecord> {
  const original = await requireRespondableOriginal(deps.db, principal.agencyCode, input.respondsTo);
  const { disclosure } = await createDisclosure(
    deps,
    principal,
    {
      field: original.field,
      itemType: RESPONSE_ITEM_TYPE,
      title: responseTitle(original),
      region: original.region,
      ...(original.projectCode ? { projectCode: original.projectCode } : {}),
      formedAt: input.formedAt ?? todayInChina(deps.now()),
      basis: 'produce',
      content: { respondsTo: input.respondsTo, text: input.text, ...(input.summary ? { summary: input.summary } : {}) },
      attachments: [],
      withheld: [],
    },
    input.idempotencyKey,
  );
  // 先审后发 applies to answers too: an agency that requires review gets the item in review.
  return (await publishOrRequestReview(deps, principal, disclosure._id.toHexString())).doc;
}
