import { ValidationError } from '../errors.ts';

/**
 * Cursors are opaque to clients: `d<key>` continues a newest-first list after the row whose sort
 * key is `key`; `o<n>` continues a ranked list at position n; `u<ms>.<id>` an agency's list.
 */
export type Cursor = { kind: 'date'; key: number } | { kind: 'offset'; offset: number } | { kind: 'updated'; at: number; id: string };

export function encodeCursor(cursor: Cursor): string {
  const raw = cursor.kind === 'date' ? `d${cursor.key}` : cursor.kind === 'offset' ? `o${cursor.offset}` : `u${cursor.at}.${cursor.id}`;
  return Buffer.from(raw).toString('base64url');
}

export function decodeCursor<K extends Cursor['kind']>(text: string, kind: K): Extract<Cursor, { kind: K }> {
  const raw = Buffer.from(text, 'base64url').toString();
  const invalid = () => new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned for this query' }]);
  let match: RegExpExecArray | null;
  if (kind === 'date' && (match = /^d(\d{1,17})$/.exec(raw))) return { kind, key: Number(match[1]) } as Extract<Cursor, { kind: K }>;
  if (kind === 'offset' && (match = /^o(\d{1,5})$/.exec(raw))) return { kind, offset: Number(match[1]) } as Extract<Cursor, { kind: K }>;
  if (kind === 'updated' && (match = /^u(\d{1,15})\.([0-9a-f]{24})$/.exec(raw))) {
    return { kind, at: Number(match[1]), id: match[2]! } as Extract<Cursor, { kind: K }>;
  }
  throw invalid();
}
