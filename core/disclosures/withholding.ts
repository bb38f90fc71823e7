import type { Revision, Withheld, WithholdBasis } from '../models/disclosure.model.ts';

/** What the public sees in place of a withheld value (政府信息公开条例 第十四、十五条). */
export const WITHHOLD_NOTICES: Record<WithholdBasis, string> = {
  'commercial-secret': '依法不予公开（商业秘密）',
  privacy: '依法不予公开（个人隐私）',
  'state-secret': '依法不予公开（国家秘密）',
};

/** The content as the public may see it: every withheld key replaced by its notice. */
export function publicContent(revision: Pick<Revision, 'content' | 'withheld'>): Record<string, unknown> {
  const content: Record<string, unknown> = { ...revision.content };
  for (const { path, basis } of revision.withheld) content[path] = WITHHOLD_NOTICES[basis];
  return content;
}

export function publicWithheld(withheld: Withheld[]) {
  return withheld.map(({ path, basis }) => ({ path, basis, notice: WITHHOLD_NOTICES[basis] }));
}

/** The public values of a revision's content as plain strings, for search and channel text. */
export function publicStrings(revision: Pick<Revision, 'content' | 'withheld'>): string[] {
  const hidden = new Set(revision.withheld.map((w) => w.path));
  const out: string[] = [];
  const walk = (value: unknown) => {
    if (typeof value === 'string') out.push(value);
    else if (typeof value === 'number') out.push(String(value));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  for (const [key, value] of Object.entries(revision.content)) if (!hidden.has(key)) walk(value);
  return out;
}
