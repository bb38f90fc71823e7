import { Types, type Connection } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { FEED_FORMATS } from '../feeds/build-feed.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { deliveryCollection } from '../models/delivery.model.ts';
import { disclosureCollection } from '../models/disclosure.model.ts';
import { disclosurePermalink } from './permalink.ts';
import { PUBLIC_STATUSES } from './public-statuses.ts';

export interface PublicLinkSite {
  baseUrl: string;
  /** The mini-program's detail page (WECHAT_MP_PAGE), as the channels link to it; absent without a mini-program. */
  miniProgramPage?: string;
}

/**
 * A status id as a web address: the mobile page takes the numeric id alone, where weibo.com's
 * desktop address would also need the account's uid and the base62 mid.
 */
export const weiboStatusUrl = (statusId: string) => `https://m.weibo.cn/detail/${statusId}`;

/**
 * Where the public finds a disclosure, formed by the same functions the site, the feeds and the
 * channels use: its web page, the mini-program page, each Weibo post a fan-out made (from the
 * delivery record's status id; a sandbox post is listed without an address, it is not public),
 * and the agency's feeds, which carry every public change of it.
 */
export async function publicLinks(db: Connection, principal: Principal, id: string, site: PublicLinkSite) {
  const doc = await disclosureCollection(db).findOne({ _id: new Types.ObjectId(id) }, { projection: { agencyCode: 1, status: 1 } });
  if (!doc) throw new NotFoundError(`no disclosure ${id}`);
  if (doc.agencyCode !== principal.agencyCode) throw new ForbiddenError('this disclosure belongs to another agency');
  const base = site.baseUrl.replace(/\/+$/, '');
  const posts = await deliveryCollection(db)
    .find({ disclosureId: id, channel: 'weibo', state: 'sent' }, { projection: { messageKey: 1, externalId: 1, mode: 1, sentAt: 1 } })
    .toArray();
  const feedQuery = `?agency=${encodeURIComponent(doc.agencyCode)}`;
  return {
    disclosureId: id,
    public: (PUBLIC_STATUSES as readonly string[]).includes(doc.status),
    website: disclosurePermalink(base, id),
    ...(site.miniProgramPage ? { miniProgramPage: `${site.miniProgramPage}?id=${id}` } : {}),
    weibo: posts
      .filter((p) => p.externalId)
      .sort((a, b) => (a.sentAt?.getTime() ?? 0) - (b.sentAt?.getTime() ?? 0))
      .map((p) => ({
        change: p.messageKey.split(':')[1],
        statusId: p.externalId!,
        mode: p.mode ?? 'unrecorded',
        ...(p.mode === 'live' ? { url: weiboStatusUrl(p.externalId!) } : {}),
      })),
    feeds: Object.fromEntries(Object.entries(FEED_FORMATS).map(([format, f]) => [format, `${base}/feeds/${f.file}${feedQuery}`])) as Record<keyof typeof FEED_FORMATS, string>,
  };
}
