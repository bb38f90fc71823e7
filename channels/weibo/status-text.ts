import { CHANGE_MARKERS, ChannelError, type OutgoingMessage } from '../types.ts';

/** Weibo's share limit (notes §2: ≤ 140 汉字); counting rule unconfirmed, so every code point counts 1. */
export const WEIBO_MAX_LENGTH = 140;

export const codePoints = (text: string): number => Array.from(text).length;

function clean(text: string): string {
  return (
    text
      // `#…#` would be a topic (forbidden on share); control characters and runs of spaces are noise.
      .replace(/[#＃]/g, '')
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/**
 * `【更正】<agency>｜<item type>：<title> <url>`, cut to `maxLength` code points with `…` before the
 * link, so the permalink (which must be on the app's safe domain) always survives. The marker leads
 * the post; core's titles already start with it, so it is moved, not added twice.
 */
export function buildStatusText(message: OutgoingMessage, maxLength = WEIBO_MAX_LENGTH): string {
  const url = message.url.trim();
  const marker = CHANGE_MARKERS[message.kind];
  const title = marker && message.title.startsWith(marker) ? message.title.slice(marker.length) : message.title;
  const head = clean(`${marker}${message.agencyName}｜${message.itemTypeName}：${title}`);
  const budget = maxLength - codePoints(url) - 1;
  if (budget < 2) {
    throw new ChannelError('weibo', 'url-too-long', `The link (${codePoints(url)} characters) leaves no room in a ${maxLength}-character status`, 'fail');
  }
  const chars = Array.from(head);
  const cut = chars.length > budget ? `${chars.slice(0, budget - 1).join('').trimEnd()}…` : head;
  return `${cut} ${url}`;
}
