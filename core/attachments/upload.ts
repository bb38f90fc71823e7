import type { Connection } from 'mongoose';
import { z } from 'zod';
import type { Principal } from '../agencies/api-keys.ts';
import { actorKind, recordAudit } from '../audit.ts';
import { AppError, ValidationError, type FieldProblem } from '../errors.ts';
import { ACCEPTED_EXTENSIONS, detectFileType, extensionOf, UNSAFE_NAME_CHARACTERS } from './file-types.ts';
import { attachmentCollections, insertOnce, MAX_ATTACHMENT_BYTES, storeFile, uploadId } from './attachment-store.ts';

/** 415 naming what was refused, as a 400 does. */
export class UnsupportedFileError extends AppError {
  constructor(
    message: string,
    readonly fields: FieldProblem[],
  ) {
    super(415, 'unsupported_media_type', message);
  }
}

export class FileTooLargeError extends AppError {
  readonly fields = [{ path: '(body)', message: `larger than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB` }];
  constructor() {
    super(413, 'payload_too_large', `an attachment may be at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB`);
  }
}

/** The file's name as residents will see and save it: no path, none of the unsafe characters, at most 200 characters as `attachments[].name` allows. */
export const attachmentName = z
  .string()
  .transform((name) => name.replace(/^.*[\\/]/, '').trim())
  .pipe(
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(200, { error: 'must be at most 200 characters' })
      .refine((name) => !name.match(UNSAFE_NAME_CHARACTERS), { error: 'must not contain control characters or any of " < > | : * ?' }),
  )
  .describe('附件文件名（含扩展名）');

export const ATTACHMENT_URL_PATH = /^\/attachments\/([0-9a-f]{64})\/[^/]+$/;
export const attachmentPath = (sha256: string, name: string) => `/attachments/${sha256}/${encodeURIComponent(name)}`;

export interface UploadedAttachment {
  name: string;
  url: string;
  sha256: string;
  size: number;
  contentType: string;
}

/**
 * Stores an uploaded file for the caller's agency and answers what goes into a disclosure's
 * `attachments`. The type comes from the bytes; the name must carry one of that type's
 * extensions (a PDF called 名单.docx is refused, not renamed behind the uploader's back).
 * Uploading the same bytes again is a no-op that answers the same (`created` false).
 */
export async function uploadAttachment(
  db: Connection,
  principal: Principal,
  input: { name: string; bytes: Buffer; baseUrl: string; now: Date },
): Promise<UploadedAttachment & { created: boolean }> {
  const { name, bytes, now } = input;
  if (bytes.length > MAX_ATTACHMENT_BYTES) throw new FileTooLargeError();
  if (bytes.length === 0) throw new ValidationError('the file is empty', [{ path: '(body)', message: 'send the file’s bytes as the request body' }]);
  const type = detectFileType(bytes, name);
  if (!type) {
    throw new UnsupportedFileError('this kind of file cannot be attached', [
      { path: '(body)', message: `the file’s content is not one of: ${ACCEPTED_EXTENSIONS.join(', ')}` },
    ]);
  }
  const extension = extensionOf(name);
  if (!extension || !type.extensions.includes(extension)) {
    throw new ValidationError('invalid name', [{ path: 'name', message: `the file is a ${type.label}: its name must end in .${type.extensions.join(' or .')}` }]);
  }
  const { file } = await storeFile(db, bytes, type.contentType, now);
  const upload = { _id: uploadId(file._id, principal.agencyCode), sha256: file._id, agencyCode: principal.agencyCode, name, keyId: principal.keyId, at: now };
  const first = await insertOnce(attachmentCollections(db).uploads, upload);
  if (first) {
    await recordAudit(db, {
      id: `attachment:${upload._id}`,
      action: 'attachment.upload',
      actor: { kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
      agencyCode: principal.agencyCode,
      subject: file._id,
      contentHash: file._id,
      detail: { name, size: file.size, contentType: file.contentType },
      at: now,
    });
  }
  const url = `${input.baseUrl.replace(/\/+$/, '')}${attachmentPath(file._id, name)}`;
  return { name, url, sha256: file._id, size: file.size, contentType: file.contentType, created: first };
}
