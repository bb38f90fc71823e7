import type { OutgoingMessage } from '../types.ts';

/**
 * Template data within WeChat's keyword rules (wechat.md §4.3): lengths count characters (code
 * points, one per Chinese character), never bytes; no line breaks; no empty values.
 */
export type TemplateData = Record<string, { value: string }>;

const HAN = /\p{Script=Han}/u;
const ELLIPSIS = '…';
const EMPTY = '—';

/** One line: line breaks and runs of whitespace become one space. */
export const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** At most `max` characters; longer text keeps `max − 1` and ends with …. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('').trimEnd() + ELLIPSIS;
}

/** `thing`: ≤20 characters of any kind. */
export const thing = (text: string, max = 20) => truncate(oneLine(text), max) || EMPTY;

/** `name`: ≤10 characters when it contains Chinese, else ≤20 letters or symbols (digits dropped). */
export function name(text: string): string {
  const line = oneLine(text);
  if (HAN.test(line)) return truncate(line, 10);
  return truncate(line.replace(/\d/g, ''), 20) || EMPTY;
}

/** `character_string`: ≤32 ASCII digits, letters or symbols; anything else is dropped, no ellipsis. */
export const characterString = (text: string) => text.replace(/[^\x21-\x7e]/g, '').slice(0, 32);

/** `phrase`: ≤5 characters, Chinese only. */
export const phrase = (text: string) => [...text.replace(/[^\p{Script=Han}]/gu, '')].slice(0, 5).join('');

/** `time`: `YYYY年M月D日 HH:mm` in China time (UTC+8, no daylight saving since 1991). */
export function chinaTime(date: Date): string {
  const d = new Date(date.getTime() + 8 * 3_600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

export const KIND_NOTE: Record<OutgoingMessage['kind'], string> = { publish: '新公开', correct: '已更正', withdraw: '已撤回' };

/**
 * OA template message data. The template must have the keys
 * thing1 (标题), thing2 (发布机关), thing3 (事项类型), time4 (发布时间).
 */
export function oaTemplateData(message: OutgoingMessage): TemplateData {
  const kind = message.kind === 'publish' ? '' : `（${KIND_NOTE[message.kind]}）`;
  return {
    thing1: { value: thing(message.title) },
    thing2: { value: thing(message.agencyName) },
    // The note goes after the type and survives truncation.
    thing3: { value: kind ? truncate(oneLine(message.itemTypeName), 20 - kind.length) + kind : thing(message.itemTypeName) },
    time4: { value: chinaTime(message.publishedAt) },
  };
}

/**
 * MP subscribe message data. The template must have the keys
 * thing1 (标题), thing2 (发布机关), time3 (发布时间), thing4 (备注: 新公开/已更正/已撤回 and the item type).
 */
export function mpTemplateData(message: OutgoingMessage): TemplateData {
  return {
    thing1: { value: thing(message.title) },
    thing2: { value: thing(message.agencyName) },
    time3: { value: chinaTime(message.publishedAt) },
    thing4: { value: thing(`${KIND_NOTE[message.kind]}：${oneLine(message.itemTypeName)}`) },
  };
}
