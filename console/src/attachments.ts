import { ApiError } from './api.ts';

/** An entry of a disclosure's `attachments` as the console holds it: size and type only when it was uploaded here. */
export interface AttachmentEntry {
  name: string;
  url: string;
  sha256: string;
  size?: number;
  contentType?: string;
}

/** What the API accepts in `attachments` (its schema is strict). */
export const toAttachments = (entries: AttachmentEntry[]) => entries.map(({ name, url, sha256 }) => ({ name, url, sha256 }));

export function fileSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  return bytes < 1024 * 1024 ? `${Math.max(0.1, bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The file picker's filter; the API decides by the bytes. */
export const ATTACHMENT_ACCEPT = '.pdf,.ofd,.doc,.docx,.wps,.xls,.xlsx,.et,.ppt,.pptx,.dps,.png,.jpg,.jpeg,.gif,.webp,.zip';
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** Why an upload was refused, in Chinese. */
export function uploadProblem(error: unknown): string {
  if (!(error instanceof ApiError)) return '上传失败，请检查网络后重试';
  if (error.status === 413) return '文件超过 20 MB，无法上传';
  if (error.status === 415) return '不支持此类文件（按文件内容识别）：请上传 PDF、OFD、Word、Excel、PowerPoint、WPS、图片或 ZIP 文件';
  const name = error.fields.find((f) => f.path === 'name');
  if (error.status === 400 && name) return `文件名不符合要求：${name.message}`;
  if (error.status === 401) return '登录已失效，请重新登录后再上传';
  if (error.status === 403) return '当前账号没有上传附件的权限';
  return error.message;
}
