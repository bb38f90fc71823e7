import type { WeiboClient } from '../../../channels/weibo/weibo-client.ts';
import { parseWeiboDate, pseudonymousAuthor } from '../../../channels/weibo/weibo-reactions.ts';

/** A post that @-mentions the agency's account, without its author's Weibo identity. */
export interface WeiboMention {
  externalId: string;
  text: string;
  author: string;
  createdAt: Date;
}

interface RawStatus {
  idstr: string;
  text?: string;
  created_at?: string;
  user?: { idstr?: string; id?: number } | null;
}

const byId = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/**
 * New posts mentioning the account (`statuses/mentions`, notes §3), oldest first, walking back
 * with an inclusive `max_id` like the comment and repost readers in channels/weibo.
 */
export async function fetchMentions(
  client: WeiboClient,
  token: string,
  sinceId: string | undefined,
  options: { pseudonymKey?: string; maxPages?: number } = {},
): Promise<{ items: WeiboMention[]; sinceId: string | undefined; complete: boolean }> {
  const found = new Map<string, WeiboMention>();
  let maxId: string | undefined;
  let complete = false;
  for (let page = 0; page < (options.maxPages ?? 20); page += 1) {
    const body = await client.get<{ statuses?: RawStatus[]; next_cursor?: number | string }>('/2/statuses/mentions.json', {
      access_token: token,
      since_id: sinceId,
      max_id: maxId,
      count: 200,
    });
    const statuses = Array.isArray(body.statuses) ? body.statuses : [];
    for (const s of statuses) {
      const uid = s.user?.idstr ?? String(s.user?.id ?? 'deleted');
      found.set(s.idstr, { externalId: s.idstr, text: s.text ?? '', author: pseudonymousAuthor(uid, options.pseudonymKey), createdAt: parseWeiboDate(s.created_at) });
    }
    const oldest = statuses.map((s) => s.idstr).sort(byId)[0];
    if (!oldest || !body.next_cursor || String(body.next_cursor) === '0') {
      complete = true;
      break;
    }
    maxId = (BigInt(oldest) - 1n).toString();
  }
  const items = [...found.values()].sort((a, b) => byId(a.externalId, b.externalId));
  return { items, sinceId: items.at(-1)?.externalId ?? sinceId, complete };
}
