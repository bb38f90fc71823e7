const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

const WINDOW = 60;

/**
 * The stretch of `text` around the first matched word, HTML-escaped, every matched word in
 * `<mark>`: the title when it matches, else the public text around the match, else the title.
 * Matching ignores case; nothing of the text is markup, so escaping each piece is enough.
 */
export function snippet(text: string, words: readonly string[]): string {
  const [title = '', body = ''] = splitOnce(text);
  if (!words.length) return escapeHtml(title);
  const lowerTitle = title.toLowerCase();
  if (words.some((w) => lowerTitle.includes(w))) return mark(title, words);
  const lowerBody = body.toLowerCase();
  const first = Math.min(...words.map((w) => lowerBody.indexOf(w)).filter((i) => i >= 0));
  if (!Number.isFinite(first)) return escapeHtml(title);
  const start = Math.max(0, first - WINDOW / 3);
  const end = Math.min(body.length, start + WINDOW);
  return `${start > 0 ? '…' : ''}${mark(body.slice(start, end), words)}${end < body.length ? '…' : ''}`;
}

function splitOnce(text: string): [string, string] {
  const i = text.indexOf('\n');
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

/** Escapes the text and wraps each occurrence of a word (longest first, no overlaps). */
function mark(text: string, words: readonly string[]): string {
  const lower = text.toLowerCase();
  let out = '';
  let i = 0;
  while (i < text.length) {
    const word = words.find((w) => lower.startsWith(w, i));
    if (word) {
      // Words jieba cut apart (串通 投标) read as one mark where they touch.
      out = out.endsWith('</mark>') ? `${out.slice(0, -'</mark>'.length)}${escapeHtml(text.slice(i, i + word.length))}</mark>` : `${out}<mark>${escapeHtml(text.slice(i, i + word.length))}</mark>`;
      i += word.length;
    } else {
      out += escapeHtml(text[i]!);
      i += 1;
    }
  }
  return out;
}
