import type { ReadModel } from '../../read-model/types.ts';

/** Application numbers (HD2026-0001) and project codes: letters, digits and dashes with a digit in them. */
const CODE = /[A-Za-z0-9][A-Za-z0-9-]{3,59}/g;
const LINK = /\/disclosures\/([0-9a-f]{24})\b/g;

/** The codes and disclosure ids a resident's text names, as candidates for a lookup. */
export function namedCodes(text: string): { codes: string[]; ids: string[] } {
  const codes = new Set<string>();
  for (const [code] of text.matchAll(CODE)) {
    if (!/\d/.test(code)) continue;
    codes.add(code);
    codes.add(code.toUpperCase()); // residents type hd2026-0001 for HD2026-0001
  }
  const ids = [...new Set([...text.matchAll(LINK)].map((m) => m[1]!))];
  return { codes: [...codes].slice(0, 40), ids: ids.slice(0, 5) };
}

/**
 * The agency's public disclosure a text is about, when it names one by link, application number
 * or project code; the most recently published when several match (a later batch, a correction).
 * Without a read model in this process, texts are filed without a disclosure.
 */
export async function disclosureNamedIn(readModel: ReadModel | undefined, agencyCode: string, text: string): Promise<string | undefined> {
  const names = namedCodes(text);
  if (!readModel || (!names.codes.length && !names.ids.length)) return undefined;
  return readModel.namedIn(agencyCode, names);
}
