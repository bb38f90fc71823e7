import { WechatSandboxError } from './reply.ts';

/**
 * The keyword value types of category templates (wechat.md §4.3): the type is the data key
 * without its trailing digits (`thing3` → thing). Written independently of the channels'
 * template-data builder so the tests check one against the other.
 */
const HAN = /\p{Script=Han}/u;
const DATE = String.raw`(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}|\d{4}/\d{1,2}/\d{1,2})`;
const CLOCK = String.raw`\d{1,2}:\d{2}(?::\d{2})?`;
const TIME_ONE = new RegExp(String.raw`^(?:${DATE}\s*)?${CLOCK}$`);
const DATE_ONE = new RegExp(String.raw`^${DATE}(?:\s*${CLOCK})?$`);

const chars = (value: string) => [...value].length;
const ranged = (value: string, one: RegExp) => value.split('~').every((part) => one.test(part.trim()));

const RULES: Record<string, (value: string) => boolean> = {
  thing: (v) => chars(v) <= 20,
  number: (v) => /^[+-]?\d+(?:\.\d+)?$/.test(v) && v.replace(/\D/g, '').length <= 32,
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  symbol: (v) => /^[^\p{L}\p{N}\s]{1,5}$/u.test(v),
  character_string: (v) => /^[\x21-\x7e]{1,32}$/.test(v),
  time: (v) => ranged(v, TIME_ONE),
  date: (v) => ranged(v, DATE_ONE),
  amount: (v) => /^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$/.test(v),
  phone_number: (v) => /^[\d+\-() ]{1,17}$/.test(v),
  car_number: (v) => chars(v) <= 8 && /^[\p{Script=Han}A-Za-z0-9]?[A-Za-z0-9]*[\p{Script=Han}A-Za-z0-9]?$/u.test(v),
  // Mixed Chinese and letters counts as a Chinese name.
  name: (v) => (HAN.test(v) ? chars(v) <= 10 : chars(v) <= 20 && !/\d/.test(v)),
  phrase: (v) => /^\p{Script=Han}{1,5}$/u.test(v),
};

/** The first rule `data` breaks as a 47003 (or 47001 when it is not an object); nothing when it passes. */
export function checkTemplateData(data: unknown, requiredKeys?: readonly string[]): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new WechatSandboxError(47001, 'data format error');
  const entries = data as Record<string, unknown>;
  for (const key of requiredKeys ?? []) {
    if (!(key in entries)) throw new WechatSandboxError(47003, `argument invalid! data.${key}.value is empty`);
  }
  for (const [key, entry] of Object.entries(entries)) {
    const value = typeof entry === 'object' && entry !== null ? (entry as { value?: unknown }).value : undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new WechatSandboxError(47003, `argument invalid! data.${key}.value is empty`);
    }
    const rule = RULES[key.replace(/\d+$/, '')];
    if (/[\r\n]/.test(value) || (rule && !rule(value))) {
      throw new WechatSandboxError(47003, `argument invalid! data.${key}.value invalid`);
    }
  }
}
