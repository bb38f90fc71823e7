import type { StaffAlertMessage } from './types.ts';
import { chinaTime } from '../wechat/template-data.ts';

/**
 * Our text on one line, its markdown-significant characters swapped for their full-width forms:
 * neither robot is relied on to honour backslash escapes, and a name with `*` or `[` must not
 * turn into markup (or a link).
 */
const FULL_WIDTH: Record<string, string> = { '*': '＊', _: '＿', '`': '｀', '[': '［', ']': '］', '<': '＜', '>': '＞', '#': '＃' };
const plain = (text: string) => text.replace(/[\r\n]+/g, ' ').replace(/[*_`[\]<>#]/g, (c) => FULL_WIDTH[c]!);

/** At most `max` UTF-8 bytes, cut on a character, with … when cut. */
export function fitBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  for (const char of text) {
    if (Buffer.byteLength(out + char + '…', 'utf8') > max) break;
    out += char;
  }
  return `${out}…`;
}

/** The notice as robot markdown (both WeCom and DingTalk read this subset: bold, quote, link). */
export function robotMarkdown(message: StaffAlertMessage, prefix = ''): string {
  return [
    `**${prefix}【${plain(message.event)}】${plain(message.title)}**`,
    ...message.lines.map((line) => `> ${plain(line)}`),
    `> 机关：${plain(message.agencyName)}`,
    `> 时间：${chinaTime(message.at)}`,
    '',
    `[前往舆情工作台处理](${message.url})`,
  ].join('\n');
}
