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
