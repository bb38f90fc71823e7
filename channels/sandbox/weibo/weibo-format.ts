/**
 * Weibo's wire formats as the sandbox answers them (reference notes §0, §2, §3): English
 * `created_at` in +0800, int64 ids as both number and string, `{error, error_code, request}`.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `Wed Oct 24 23:49:17 +0800 2012`. */
export function weiboDate(date: Date): string {
  const d = new Date(date.getTime() + 8 * 3600_000);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${time} +0800 ${d.getUTCFullYear()}`;
}

export interface SandboxUser {
  id: string;
  screenName: string;
  location?: string;
}

export function userJson(user: SandboxUser) {
  return {
    id: Number(user.id),
    idstr: user.id,
    screen_name: user.screenName,
    name: user.screenName,
    location: user.location ?? '',
    province: '',
    city: '',
    description: '',
    gender: 'n',
    followers_count: 0,
    friends_count: 0,
    statuses_count: 0,
    verified: false,
    verified_type: -1,
  };
}

export interface SandboxPost {
  id: bigint;
  text: string;
  user: SandboxUser;
  createdAt: Date;
}

/** The common part of a Status or a Comment. */
export function itemJson(item: SandboxPost) {
  const idstr = item.id.toString();
  // Current ids (~5×10^15) still fit a double; clients must read `idstr` all the same.
  return { created_at: weiboDate(item.createdAt), id: Number(item.id), idstr, mid: idstr, text: item.text, user: userJson(item.user) };
}

export function statusJson(item: SandboxPost, counts = { reposts: 0, comments: 0 }) {
  return {
    ...itemJson(item),
    source: '<a href="https://open.weibo.com" rel="nofollow">gongkai sandbox</a>',
    favorited: false,
    truncated: false,
    in_reply_to_status_id: '',
    in_reply_to_user_id: '',
    in_reply_to_screen_name: '',
    pic_urls: [],
    geo: null,
    reposts_count: counts.reposts,
    comments_count: counts.comments,
    attitudes_count: 0,
    visible: { type: 0, list_id: 0 },
    isLongText: false,
    textLength: Array.from(item.text).length,
    annotations: [],
  };
}

export function errorJson(code: number, message: string, request: string) {
  return { error: message, error_code: code, request };
}
