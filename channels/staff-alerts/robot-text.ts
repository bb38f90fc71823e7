import type { StaffAlertMessage } from './types.ts';
import { chinaTime } from '../wechat/template-data.ts';

/** Markdown-significant characters in our own text are shown as themselves. */
const plain = (text: string) => text.replace(/[\r\n]+/g, ' ').replace(/([*_`[\]<>#])/g, '\\$1');

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
