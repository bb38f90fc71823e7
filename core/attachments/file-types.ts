/**
 * The kinds of file an agency may attach, recognised by their bytes (a renamed .exe is not a
 * PDF because its name says so). Office Open XML, OFD and plain zip share the zip container, so
 * the container's entry names decide between them; the old binary Office and WPS formats share
 * the OLE2 compound file, so for them the name's extension decides which one it is (and an OLE2
 * file under any other name, such as a Windows installer, is refused).
 */
export interface FileType {
  contentType: string;
  /** Lowercase, without the dot; the first is the one added to a name that lacks it. */
  extensions: readonly string[];
  /** For people: 附件类型. */
  label: string;
}

const PDF: FileType = { contentType: 'application/pdf', extensions: ['pdf'], label: 'PDF 文档' };
const PNG: FileType = { contentType: 'image/png', extensions: ['png'], label: 'PNG 图片' };
const JPEG: FileType = { contentType: 'image/jpeg', extensions: ['jpg', 'jpeg'], label: 'JPEG 图片' };
const GIF: FileType = { contentType: 'image/gif', extensions: ['gif'], label: 'GIF 图片' };
const WEBP: FileType = { contentType: 'image/webp', extensions: ['webp'], label: 'WebP 图片' };
const DOCX: FileType = { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', extensions: ['docx'], label: 'Word 文档' };
const XLSX: FileType = { contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extensions: ['xlsx'], label: 'Excel 表格' };
const PPTX: FileType = { contentType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', extensions: ['pptx'], label: 'PowerPoint 演示文稿' };
const OFD: FileType = { contentType: 'application/ofd', extensions: ['ofd'], label: 'OFD 版式文档' };
const ZIP: FileType = { contentType: 'application/zip', extensions: ['zip'], label: 'ZIP 压缩包' };
const OLE: Record<string, FileType> = {
  doc: { contentType: 'application/msword', extensions: ['doc'], label: 'Word 97-2003 文档' },
  xls: { contentType: 'application/vnd.ms-excel', extensions: ['xls'], label: 'Excel 97-2003 表格' },
  ppt: { contentType: 'application/vnd.ms-powerpoint', extensions: ['ppt'], label: 'PowerPoint 97-2003 演示文稿' },
  wps: { contentType: 'application/vnd.ms-works', extensions: ['wps'], label: 'WPS 文字文档' },
  et: { contentType: 'application/vnd.ms-excel', extensions: ['et'], label: 'WPS 表格' },
  dps: { contentType: 'application/vnd.ms-powerpoint', extensions: ['dps'], label: 'WPS 演示文稿' },
};

/** Every extension accepted, for the refusal message and the console's file picker. */
export const ACCEPTED_EXTENSIONS = ['pdf', 'ofd', 'doc', 'docx', 'wps', 'xls', 'xlsx', 'et', 'ppt', 'pptx', 'dps', 'png', 'jpg', 'jpeg', 'gif', 'webp', 'zip'] as const;

const startsWith = (bytes: Buffer, magic: string | number[], at = 0) => {
  const expected = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : Buffer.from(magic);
  return bytes.length >= at + expected.length && bytes.subarray(at, at + expected.length).equals(expected);
};

/** The names in a zip's central directory (at most `limit`), or undefined when it is not a readable zip. */
export function zipEntryNames(bytes: Buffer, limit = 2000): string[] | undefined {
  // End of central directory: 22 bytes plus a comment of at most 65,535, at the very end.
  const from = Math.max(0, bytes.length - 22 - 65_535);
  let end = -1;
  for (let i = bytes.length - 22; i >= from; i--) {
    if (bytes.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) return undefined;
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let n = 0; n < Math.min(count, limit); n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return undefined;
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    if (at + 46 + nameLength > bytes.length) return undefined;
    names.push(bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

function zipKind(bytes: Buffer): FileType | undefined {
  const names = zipEntryNames(bytes);
  if (!names) return undefined;
  const has = (name: string) => names.includes(name);
  if (has('[Content_Types].xml')) {
    if (names.some((n) => n.startsWith('word/'))) return DOCX;
    if (names.some((n) => n.startsWith('xl/'))) return XLSX;
    if (names.some((n) => n.startsWith('ppt/'))) return PPTX;
  }
  // GB/T 33190-2016: an OFD package has OFD.xml at its root.
  if (has('OFD.xml')) return OFD;
  return ZIP;
}

export const extensionOf = (name: string) => /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1]?.toLowerCase();

/** What the bytes are, when they are one of the accepted kinds; `name` only tells OLE2 formats apart. */
export function detectFileType(bytes: Buffer, name: string): FileType | undefined {
  if (startsWith(bytes, '%PDF-')) return PDF;
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return PNG;
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return JPEG;
  if (startsWith(bytes, 'GIF87a') || startsWith(bytes, 'GIF89a')) return GIF;
  if (startsWith(bytes, 'RIFF') && startsWith(bytes, 'WEBP', 8)) return WEBP;
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return zipKind(bytes);
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return OLE[extensionOf(name) ?? ''];
  return undefined;
}

/** Path, control and bidi characters (which can disguise an extension) and what Windows forbids in names. */
export const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069"<>|:*?]/g;

const ALL_TYPES = [PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, OFD, ZIP, ...Object.values(OLE)];

/**
 * The name a download is saved under: the URL's (a link may name the file as its item does),
 * made safe, with an extension the stored content has, so a link cannot make a PDF save as .exe.
 */
export function downloadName(urlName: string, contentType: string, sha256: string): string {
  const cleaned = urlName.replace(/^.*[\\/]/, '').replace(UNSAFE_NAME_CHARACTERS, '').trim().slice(0, 200);
  const name = cleaned || `附件-${sha256.slice(0, 12)}`;
  const allowed = ALL_TYPES.filter((t) => t.contentType === contentType).flatMap((t) => t.extensions);
  const extension = extensionOf(name);
  return extension && allowed.includes(extension) ? name : `${name}.${allowed[0] ?? 'bin'}`;
}
