import type { OutgoingMessage } from '../types.ts';
import { characterString, chinaTime, KIND_NOTE, oneLine, phrase, thing, truncate, type TemplateData } from './template-data.ts';

/**
 * gongkai's message parts that a WeChat template's keys can show. The account's template decides
 * the keys (real ones look like `thing10`, `time5`, `character_string21`), so which part goes in
 * which key is configuration, checked against the keyword rules (wechat.md §4.3) when it is set.
 */
export const MESSAGE_PARTS = {
  title: '标题',
  agency: '发布机关',
  /** The item type, with 已更正/已撤回 after it for a change. */
  itemType: '事项类型',
  field: '领域',
  /** 新公开 / 已更正 / 已撤回 and the item type (one thing, for a 备注 key). */
  notice: '备注',
  /** 新公开 / 已更正 / 已撤回 alone (fits a phrase or short_thing). */
  change: '变更类型',
  date: '发布时间',
  summary: '摘要',
  region: '行政区划代码',
  disclosureId: '公开编号',
} as const;
export type MessagePart = keyof typeof MESSAGE_PARTS;

/** Template key → the part it shows. */
export type TemplateMapping = Readonly<Record<string, MessagePart>>;

/** Which parts each keyword type can hold without breaking its rule (others are refused at save). */
const FITS: Record<string, readonly MessagePart[]> = {
  thing: ['title', 'agency', 'itemType', 'field', 'notice', 'change', 'date', 'summary', 'region', 'disclosureId'],
  short_thing: ['change', 'field'],
  phrase: ['change', 'field'],
  time: ['date'],
  date: ['date'],
  character_string: ['region', 'disclosureId'],
  number: ['region'],
};

/** The keys the sandbox's own templates have: the mapping used when an account is in sandbox mode. */
export const SANDBOX_OA_MAPPING: TemplateMapping = { thing1: 'title', thing2: 'agency', thing3: 'itemType', time4: 'date' };
export const SANDBOX_MP_MAPPING: TemplateMapping = { thing1: 'title', thing2: 'agency', time3: 'date', thing4: 'notice' };

/** The keyword type of a data key: the key without its trailing digits (`thing3` → thing). */
export const keyType = (key: string) => key.replace(/\d+$/, '');

/**
 * Every problem of a mapping of template keys to `parts`, each naming its key: a key that is not
 * `<type><n>`, a type gongkai cannot fill (const, enum, amount …), a part the type cannot hold
 * (`fits`), an unknown part (`partNoun` names what it should be). Empty: valid.
 */
export function keyMappingProblems(
  mapping: Record<string, unknown>,
  parts: Readonly<Record<string, string>>,
  fits: Readonly<Record<string, readonly string[]>>,
  partNoun: string,
): string[] {
  const problems: string[] = [];
  const entries = Object.entries(mapping);
  if (!entries.length) problems.push('maps no key');
  for (const [key, part] of entries) {
    if (!/^[a-z_]+\d+$/.test(key)) {
      problems.push(`${key}: not a template key (a keyword type and its number, e.g. thing10)`);
      continue;
    }
    if (typeof part !== 'string' || !(part in parts)) {
      problems.push(`${key}: unknown ${partNoun} ${JSON.stringify(part)} (one of ${Object.keys(parts).join(', ')})`);
      continue;
    }
    const fit = fits[keyType(key)];
    if (!fit) problems.push(`${key}: gongkai cannot fill a ${keyType(key)} key`);
    else if (!fit.includes(part)) problems.push(`${key}: a ${keyType(key)} key cannot hold ${part} (it takes ${fit.join(', ')})`);
  }
  return problems;
}

/** Every problem of a disclosure template mapping (see keyMappingProblems). */
export const mappingProblems = (mapping: Record<string, unknown>): string[] => keyMappingProblems(mapping, MESSAGE_PARTS, FITS, 'message part');

const chinaDate = (date: Date) => chinaTime(date).replace(/ .*$/, '');

function partValue(part: MessagePart, message: OutgoingMessage): string {
  switch (part) {
    case 'title':
      return message.title;
    case 'agency':
      return message.agencyName;
    case 'itemType':
      return message.kind === 'publish' ? message.itemTypeName : `${message.itemTypeName}（${KIND_NOTE[message.kind]}）`;
    case 'field':
      return message.fieldName;
    case 'notice':
      return `${KIND_NOTE[message.kind]}：${oneLine(message.itemTypeName)}`;
    case 'change':
      return KIND_NOTE[message.kind];
    case 'date':
      return chinaTime(message.publishedAt);
    case 'summary':
      return message.summary;
    case 'region':
      return message.region;
    case 'disclosureId':
      return message.disclosureId;
  }
}

/** One value fitted to its key's type (the mapping was validated: the part fits the type). */
function fitted(key: string, part: MessagePart, message: OutgoingMessage): string {
  const type = keyType(key);
  const value = partValue(part, message);
  if (type === 'time') return chinaTime(message.publishedAt);
  if (type === 'date') return chinaDate(message.publishedAt);
  if (type === 'phrase') return phrase(value) || '公开';
  if (type === 'short_thing') return truncate(oneLine(value), 5);
  if (type === 'character_string') return characterString(value);
  if (type === 'number') return value.replace(/\D/g, '').slice(0, 32);
  // thing: a change note after the type must survive truncation.
  if (part === 'itemType' && message.kind !== 'publish') {
    const note = `（${KIND_NOTE[message.kind]}）`;
    return truncate(oneLine(message.itemTypeName), 20 - note.length) + note;
  }
  return thing(value);
}

/** The template data of a message under a mapping. */
export function templateData(mapping: TemplateMapping, message: OutgoingMessage): TemplateData {
  return Object.fromEntries(Object.entries(mapping).map(([key, part]) => [key, { value: fitted(key, part, message) }]));
}

/** The keys a template's content declares (`{{thing1.DATA}}`), in order. */
export const templateKeys = (content: string) => [...content.matchAll(/\{\{\s*([A-Za-z_]+\d+)\.DATA\s*\}\}/g)].map((m) => m[1]!);

/** What `channels check` reports for one template: mapped keys it lacks, its keys the mapping leaves out. */
export function compareMapping(mapping: TemplateMapping, keys: readonly string[]) {
  return {
    missingInTemplate: Object.keys(mapping).filter((key) => !keys.includes(key)),
    unmapped: keys.filter((key) => !(key in mapping)),
  };
}
