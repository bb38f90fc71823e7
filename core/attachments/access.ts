import type { Connection } from 'mongoose';
import type { Principal } from '../agencies/api-keys.ts';
import { toPublicView } from '../disclosures/views.ts';
import type { DisclosureRecord } from '../models/disclosure.model.ts';
import { attachmentCollections, insertOnce, uploadId, type StoredFile } from './attachment-store.ts';

/**
 * Who may download a file. As on government websites, the attachments of a published item are
 * public (and stay listed, like the item, once it is withdrawn or corrected: its history is
 * public); an upload no public item lists yet is seen only by the staff and keys of the agency
 * that uploaded it, so a draft's files do not leak before publication.
 */
export type Access = { file: StoredFile; visibility: 'public' | 'agency' };

export async function attachmentAccess(db: Connection, sha256: string, caller: () => Promise<Principal | undefined>): Promise<Access | undefined> {
  const { files, publicMarks, uploads } = attachmentCollections(db);
  const file = await files.findOne({ _id: sha256 });
  if (!file) return undefined;
  if (await publicMarks.findOne({ _id: sha256 }, { projection: { _id: 1 } })) return { file, visibility: 'public' };
  const principal = await caller();
  if (principal && (await uploads.findOne({ _id: uploadId(sha256, principal.agencyCode) }, { projection: { _id: 1 } }))) return { file, visibility: 'agency' };
  return undefined;
}

const UPLOADED_URL = /^https?:\/\/[^/]+\/attachments\/([0-9a-f]{64})\/[^/?#]+$/;

/** The hashes of our own attachment URLs among the strings of `value` (a content's 附件 links). */
function linkedHashes(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') {
    const hash = UPLOADED_URL.exec(value)?.[1];
    if (hash) into.add(hash);
  } else if (Array.isArray(value)) for (const v of value) linkedHashes(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) linkedHashes(v, into);
  return into;
}

/**
 * After a public change of a disclosure (read-model sync, so a crash before this is redone from
 * the journal): every file its public revisions list (`attachments`, or a link in the public
 * content, such as 采购文件) that its own agency uploaded becomes public. A link in a withheld
 * value is not public (the public view holds only its notice), and another agency's unpublished
 * upload stays private even when named by its hash.
 */
export async function markPublicAttachments(db: Connection, doc: DisclosureRecord, now: Date): Promise<number> {
  const { publicMarks, uploads } = attachmentCollections(db);
  const hashes = new Set<string>();
  for (const r of toPublicView(doc).revisions) {
    for (const a of r.attachments) hashes.add(a.sha256);
    linkedHashes(r.content, hashes);
  }
  let marked = 0;
  for (const sha256 of hashes) {
    if (await publicMarks.findOne({ _id: sha256 }, { projection: { _id: 1 } })) continue;
    if (!(await uploads.findOne({ _id: uploadId(sha256, doc.agencyCode) }, { projection: { _id: 1 } }))) continue;
    if (await insertOnce(publicMarks, { _id: sha256, disclosureId: doc._id.toHexString(), agencyCode: doc.agencyCode, at: now })) marked++;
  }
  return marked;
}
