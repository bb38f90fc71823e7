import { Types, type Connection } from 'mongoose';
import { PUBLIC_STATUSES } from '../../disclosures/list.ts';
import { disclosureCollection } from '../../models/disclosure.model.ts';

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
 */
export async function disclosureNamedIn(db: Connection, agencyCode: string, text: string): Promise<string | undefined> {
  const { codes, ids } = namedCodes(text);
  if (!codes.length && !ids.length) return undefined;
  const or: Record<string, unknown>[] = [];
  if (ids.length) or.push({ _id: { $in: ids.map((id) => new Types.ObjectId(id)) } });
  if (codes.length) or.push({ applicationNumbers: { $in: codes } }, { projectCode: { $in: codes } });
  const [found] = await disclosureCollection(db)
    .find({ agencyCode, status: { $in: [...PUBLIC_STATUSES] }, $or: or }, { projection: { _id: 1 } })
    .sort({ publishedAt: -1 })
    .limit(1)
    .toArray();
  return found?._id.toHexString();
}
