import { createHash } from 'node:crypto';
import { Binary, type Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { isDuplicateKeyError } from '../db.ts';

/**
 * Attachment files live in MongoDB itself, so every API machine serves every file with no shared
 * disk, on a MongoDB replica set and on FerretDB alike. A file is cut into chunks, each one
 * document `<sha256>:<n>` (well under MongoDB's 16 MB; FerretDB answers a lone `_id` in SQL), and
 * its metadata `<sha256>` is inserted after the last chunk: a half-written upload has no metadata
 * and is never served, and a retry of the same bytes finds the same ids (duplicates are no-ops).
 */
export const CHUNK_BYTES = 1024 * 1024;
/** Larger uploads are refused with 413. */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface StoredChunk {
  _id: string;
  data: Binary;
}

export interface StoredFile {
  _id: string;
  size: number;
  contentType: string;
  /** The chunk size the file was cut with: chunk n holds bytes [n·chunkBytes, (n+1)·chunkBytes). */
  chunkBytes: number;
  chunks: number;
  createdAt: Date;
}

/** One agency's upload of a file: who may see it before it is public, and under which name. */
export interface StoredUpload {
  _id: string;
  sha256: string;
  agencyCode: string;
  name: string;
  keyId: string;
  at: Date;
}

/** A file some public disclosure of the uploading agency lists: anyone may download it. */
export interface StoredPublicMark {
  _id: string;
  disclosureId: string;
  agencyCode: string;
  at: Date;
}

export const ATTACHMENT_COLLECTIONS = ['attachment_chunks', 'attachments', 'attachment_uploads', 'attachment_public'] as const;

export function attachmentCollections(db: Connection) {
  return {
    chunks: db.collection('attachment_chunks') as unknown as Collection<StoredChunk>,
    files: db.collection('attachments') as unknown as Collection<StoredFile>,
    uploads: db.collection('attachment_uploads') as unknown as Collection<StoredUpload>,
    publicMarks: db.collection('attachment_public') as unknown as Collection<StoredPublicMark>,
  };
}

export const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
export const chunkId = (sha256: string, n: number) => `${sha256}:${n}`;
export const uploadId = (sha256: string, agencyCode: string) => `${sha256}:${agencyCode}`;

/** Inserts a document whose `_id` says what it is: already there means already done. */
export async function insertOnce<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  try {
    await collection.insertOne(doc as never);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/** Stores the bytes once (chunks first, metadata last); `created` is false when they were already stored. */
export async function storeFile(db: Connection, bytes: Buffer, contentType: string, now: Date): Promise<{ file: StoredFile; created: boolean }> {
  const { chunks, files } = attachmentCollections(db);
  const sha256 = sha256Of(bytes);
  const existing = await files.findOne({ _id: sha256 });
  if (existing) return { file: existing, created: false };
  const count = Math.max(1, Math.ceil(bytes.length / CHUNK_BYTES));
  for (let n = 0; n < count; n++) {
    await insertOnce(chunks, { _id: chunkId(sha256, n), data: new Binary(bytes.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES)) });
  }
  const file: StoredFile = { _id: sha256, size: bytes.length, contentType, chunkBytes: CHUNK_BYTES, chunks: count, createdAt: now };
  const created = await insertOnce(files, file);
  return { file: created ? file : ((await files.findOne({ _id: sha256 })) ?? file), created };
}

/**
 * The file's bytes from `start` to `end` inclusive (all of it by default), chunk by chunk in
 * order, each read by its `_id` only when the previous one has been taken.
 */
export async function* fileChunks(db: Connection, file: StoredFile, start = 0, end = file.size - 1): AsyncGenerator<Buffer> {
  const { chunks } = attachmentCollections(db);
  for (let n = Math.floor(start / file.chunkBytes); n * file.chunkBytes <= end; n++) {
    const chunk = await chunks.findOne({ _id: chunkId(file._id, n) });
    // The metadata is written after every chunk, so a missing one is damage, not a race.
    if (!chunk) throw new Error(`attachment ${file._id} is missing chunk ${n}`);
    const bytes = Buffer.from(chunk.data.buffer);
    const from = n * file.chunkBytes;
    yield bytes.subarray(Math.max(0, start - from), Math.min(bytes.length, end - from + 1));
  }
}
