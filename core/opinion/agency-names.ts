import type { Connection } from 'mongoose';
import { createAgencyDirectory, type AgencyDirectory } from '../agencies/directory.ts';
import { jieba } from './sentiment/features.ts';

/**
 * Short forms residents write for an agency's formal name: 北京市海淀区住房和城乡建设委员会 is
 * 海淀区住建委 or 海淀住建委 in a comment. Only forms whose tail is a known pair are made up; the
 * rest is the name as registered, with and without its province or city prefix.
 */
const SHORT_FORMS: readonly (readonly [string, string])[] = [
  ['住房和城乡建设委员会', '住建委'],
  ['住房和城乡建设局', '住建局'],
  ['住房和城乡建设厅', '住建厅'],
  ['规划和自然资源局', '规自局'],
  ['自然资源和规划局', '自然资源局'],
  ['发展和改革委员会', '发改委'],
  ['人力资源和社会保障局', '人社局'],
  ['市场监督管理局', '市场监管局'],
];

/** The prefixes a full name starts with: 北京市, 广东省广州市, 内蒙古自治区 … */
const PREFIX = /^(?:[\u4e00-\u9fa5]{2,8}?(?:省|自治区|特别行政区))?(?:[\u4e00-\u9fa5]{2,8}?(?:市|自治州|地区|盟))?/u;
const DISTRICT = /^([\u4e00-\u9fa5]{1,8}?)(区|县|市|旗)(?=[\u4e00-\u9fa5]{2,})/u;

/** Every form of one agency name that a segmenter should keep whole. */
export function agencyNameForms(name: string): string[] {
  const forms = new Set<string>([name]);
  const rest = name.replace(PREFIX, '');
  if (rest.length >= 3 && rest !== name) forms.add(rest);
  const district = DISTRICT.exec(rest);
  for (const [long, short] of SHORT_FORMS) {
    if (!rest.endsWith(long)) continue;
    const head = rest.slice(0, -long.length);
    if (head) forms.add(`${head}${short}`);
    // 海淀区住建委 → 海淀住建委: the district's own name without 区 or 县.
    if (district && head === `${district[1]}${district[2]}` && district[1]!.length >= 2) forms.add(`${district[1]}${short}`);
  }
  // jieba's dictionary lines are `word freq`: a name with a space or a control character is no word.
  return [...forms].filter((form) => form.length >= 3 && form.length <= 40 && WORD.test(form));
}

const WORD = /^[\p{L}\p{N}·（）()]+$/u;

const taught = new Set<string>();

/**
 * Teaches the process's reaction segmenter the names of the agencies gongkai knows (the agency
 * directory calls this at each load), so hot keywords say 海淀住建委, not 海淀 and 建委. Words are
 * only ever added (jieba cannot forget one); a name seen before costs nothing.
 */
export function teachAgencyNames(names: Iterable<string>): number {
  const segmenter = jieba();
  const fresh = [...names].flatMap(agencyNameForms).filter((form) => !taught.has(form));
  for (const form of fresh) taught.add(form);
  const split = fresh.filter((form) => segmenter.cut(form, false).length > 1);
  let added = 0;
  for (const form of split) {
    try {
      segmenter.loadDict(Buffer.from(`${form} 1000`));
      added++;
    } catch {
      // A name jieba cannot take stays cut as before: keywords are still counted.
    }
  }
  return added;
}

const directories = new WeakMap<Connection, { directory: AgencyDirectory; taughtVersion: number }>();

/**
 * Before hot keywords are counted: the agencies registered on `db` are taught to the segmenter,
 * through a directory of its own (a list kept in memory, reloaded a minute after the last load or
 * at once after a change in this process), so a new agency's name is whole from its next count.
 */
export async function knowAgencyNames(db: Connection): Promise<void> {
  let entry = directories.get(db);
  if (!entry) directories.set(db, (entry = { directory: createAgencyDirectory(db), taughtVersion: -1 }));
  const { version, agencies } = await entry.directory.snapshot();
  if (version === entry.taughtVersion) return;
  teachAgencyNames(agencies.map((agency) => agency.name));
  entry.taughtVersion = version;
}
