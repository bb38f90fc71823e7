import { createHmac } from 'node:crypto';
import type { WeiboClient } from './weibo-client.ts';

/** A comment or repost of one of our statuses, without the commenter's Weibo identity. */
export interface WeiboReaction {
  kind: 'comment' | 'repost';
  /** The comment's / repost's idstr. */
  externalId: string;
  /** The status it reacts to. */
  statusId: string;
  text: string;
  /** `wb_` + HMAC of the Weibo uid: stable per person, not reversible without the key. */
  author: string;
  createdAt: Date;
  /** Written by the owner of the status it reacts to, i.e. the agency's own account (its replies): not public opinion. */
  byOwner?: true;
}

export interface ReactionBatch {
  /** Oldest first, no duplicates. */
  items: WeiboReaction[];
  /** Store it and pass it next time: the newest id seen (the old one when nothing new). */
  sinceId: string | undefined;
  /** false when `maxPages` stopped the walk: older new items may have been skipped. */
  complete: boolean;
}

export interface FetchReactionsOptions {
  /** Secret for the author pseudonym. Without it a fixed key is used, and uids can be guessed back. */
  pseudonymKey?: string;
  /** Per page; default and maximum 200. */
  count?: number;
  /** Pages per call; default 20. */
  maxPages?: number;
}

interface RawItem {
  idstr: string;
  text?: string;
  created_at?: string;
  user?: { idstr?: string; id?: number } | null;
  /** comments/show: the status commented on; repost_timeline: the status reposted. */
  status?: { user?: { idstr?: string; id?: number } | null } | null;
  retweeted_status?: { user?: { idstr?: string; id?: number } | null } | null;
}

const uidOf = (user: { idstr?: string; id?: number } | null | undefined) => user?.idstr ?? (user?.id !== undefined ? String(user.id) : undefined);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed Oct 24 23:49:17 +0800 2012` → Date (notes §0); Invalid Date when the shape differs. */
export function parseWeiboDate(text: string | undefined): Date {
  const m = /^\w{3} (\w{3}) (\d{1,2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}) (\d{4})$/.exec(text ?? '');
  if (!m) return new Date(Number.NaN);
  const [, mon, day, hh, mm, ss, sign, oh, om, year] = m;
  const utc = Date.UTC(Number(year), MONTHS.indexOf(mon ?? ''), Number(day), Number(hh), Number(mm), Number(ss));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return new Date(utc - offset);
}

export function pseudonymousAuthor(uid: string, key = 'gongkai-weibo-author'): string {
  return `wb_${createHmac('sha256', key).update(uid).digest('hex').slice(0, 20)}`;
}

const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** A post, comment or repost by someone else, without its author's Weibo identity. */
interface Posted {
  externalId: string;
  text: string;
  author: string;
  createdAt: Date;
  byOwner?: true;
}

/**
 * Everything newer than `sinceId` at `path`, oldest first, walking back with `max_id` (inclusive,
 * so the next page asks for the smallest id seen minus one: exact with int64 strings, where
 * `next_cursor` numbers are not).
 */
async function walkSince(
  client: WeiboClient,
  path: string,
  listKey: string,
  params: Record<string, string>,
  sinceId: string | undefined,
  options: FetchReactionsOptions,
): Promise<{ items: Posted[]; sinceId: string | undefined; complete: boolean }> {
  const found = new Map<string, Posted>();
  let maxId: string | undefined;
  let complete = false;
  for (let page = 0; page < (options.maxPages ?? 20); page += 1) {
    const body = await client.get<Record<string, unknown>>(path, {
      ...params,
      since_id: sinceId,
      max_id: maxId,
      count: Math.min(options.count ?? 200, 200),
    });
    const items = (Array.isArray(body[listKey]) ? body[listKey] : []) as RawItem[];
    for (const item of items) {
      const uid = uidOf(item.user) ?? 'deleted';
      const owner = uidOf(item.status?.user) ?? uidOf(item.retweeted_status?.user);
      found.set(item.idstr, {
        externalId: item.idstr,
        text: item.text ?? '',
        author: pseudonymousAuthor(uid, options.pseudonymKey),
        createdAt: parseWeiboDate(item.created_at),
        ...(owner !== undefined && owner === uid ? { byOwner: true as const } : {}),
      });
    }
    const oldest = items.map((i) => i.idstr).sort(byId)[0];
    if (!oldest || !body.next_cursor || String(body.next_cursor) === '0') {
      complete = true;
      break;
    }
    maxId = (BigInt(oldest) - 1n).toString();
  }
  const items = [...found.values()].sort((a, b) => byId(a.externalId, b.externalId));
  return { items, sinceId: items.at(-1)?.externalId ?? sinceId, complete };
}

async function fetchSince(
  kind: WeiboReaction['kind'],
  client: WeiboClient,
  token: string,
  statusId: string,
  sinceId: string | undefined,
  options: FetchReactionsOptions,
): Promise<ReactionBatch> {
  const path = kind === 'comment' ? '/2/comments/show.json' : '/2/statuses/repost_timeline.json';
  const listKey = kind === 'comment' ? 'comments' : 'reposts';
  const walked = await walkSince(client, path, listKey, { access_token: token, id: statusId }, sinceId, options);
  return { ...walked, items: walked.items.map((item) => ({ kind, statusId, ...item })) };
}

/** New comments on one of our statuses (only commenters who authorised our app are visible). */
export function fetchComments(client: WeiboClient, token: string, statusId: string, sinceId?: string, options: FetchReactionsOptions = {}) {
  return fetchSince('comment', client, token, statusId, sinceId, options);
}

/** New reposts of one of our statuses. */
export function fetchReposts(client: WeiboClient, token: string, statusId: string, sinceId?: string, options: FetchReactionsOptions = {}) {
  return fetchSince('repost', client, token, statusId, sinceId, options);
}

/** A post that @-mentions the agency's account, without its author's Weibo identity. */
export type WeiboMention = Posted;

/** New posts mentioning the account (`statuses/mentions`, notes §3), oldest first. */
export function fetchMentions(
  client: WeiboClient,
  token: string,
  sinceId: string | undefined,
  options: Pick<FetchReactionsOptions, 'pseudonymKey' | 'maxPages'> = {},
): Promise<{ items: WeiboMention[]; sinceId: string | undefined; complete: boolean }> {
  return walkSince(client, '/2/statuses/mentions.json', 'statuses', { access_token: token }, sinceId, options);
}
