import { CHANGE_MARKERS, type OutgoingMessage } from '../../channels/types.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { disclosurePermalink } from '../disclosures/permalink.ts';
import { toPublicView } from '../disclosures/views.ts';
import { messageKey, type ChangeKey } from './outbox-keys.ts';

export interface MessageSite {
  baseUrl: string;
  /** Mini-program detail page, e.g. `pages/detail/detail`; the id is added as `?id=`. */
  miniProgramPage?: string;
}

/**
 * What channels may say about one public change, built from the public view only: withheld
 * values are already notices here, so no adapter can leak them.
 */
export function buildMessage(doc: DisclosureRecord, change: ChangeKey, site: MessageSite): OutgoingMessage {
  const view = toPublicView(doc);
  const n = change === 'withdrawn' ? view.revision : Number(change.slice(1));
  const revision = view.revisions.find((r) => r.n === n) ?? view.revisions[view.revisions.length - 1]!;
  const kind = change === 'withdrawn' ? 'withdraw' : n > 1 ? 'correct' : 'publish';
  const detail =
    kind === 'withdraw'
      ? `撤回理由：${view.withdrawn?.reason ?? ''}`
      : kind === 'correct'
        ? `变更说明：${revision.note ?? ''}`
        : `${view.fieldName ?? ''}·${view.itemTypeName ?? ''}，形成日期 ${view.formedAt}`;
  const { revisions: _all, ...document } = view;
  return {
    key: messageKey(view.id, change),
    disclosureId: view.id,
    revision: revision.n,
    kind,
    title: `${CHANGE_MARKERS[kind]}${revision.title}`,
    summary: `${view.agency.name}发布：${revision.title}。${detail}`,
    url: disclosurePermalink(site.baseUrl, view.id, kind === 'correct' ? revision.n : undefined),
    ...(site.miniProgramPage ? { miniProgramPage: `${site.miniProgramPage}?id=${view.id}` } : {}),
    agencyName: view.agency.name,
    field: view.field,
    fieldName: view.fieldName ?? view.field,
    itemType: view.itemType,
    itemTypeName: view.itemTypeName ?? view.itemType,
    region: view.region,
    publishedAt: (kind === 'withdraw' ? view.withdrawn?.at : revision.publishedAt) ?? new Date(),
    document: JSON.parse(JSON.stringify({ ...document, current: revision })) as Record<string, unknown>,
  };
}
