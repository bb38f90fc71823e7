/**
 * The API's search snippets as text segments. A snippet is HTML-escaped text with the matched
 * words in `<mark>…</mark>`; the pages show each segment in its own <text> (class `mark` when
 * highlighted) instead of rich-text, so nothing in a disclosure can ever become markup.
 */

export interface Segment {
  text: string;
  mark: boolean;
}

/** Exactly what the server escapes (core/read-model/snippet.ts); any other `&…;` stays as written. */
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** One pass, so `&amp;lt;` reads `&lt;` and not `<`. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] || entity);
}

/**
 * Splits on the two mark tags only; every other character is text. The server always closes
 * its marks, so a malformed snippet is read leniently: an unclosed `<mark>` runs to the end and
 * a stray `</mark>` is dropped. Neighbouring segments alike are merged, empty ones left out.
 */
export function highlight(snippet: string): Segment[] {
  const segments: Segment[] = [];
  let mark = false;
  for (const part of snippet.split(/(<\/?mark>)/)) {
    if (part === '<mark>' || part === '</mark>') {
      mark = part === '<mark>';
      continue;
    }
    if (!part) continue;
    const text = unescapeHtml(part);
    const last = segments[segments.length - 1];
    if (last && last.mark === mark) last.text += text;
    else segments.push({ text, mark });
  }
  return segments;
}

export interface SnippetLines {
  /** The title, highlighted when the snippet is the title itself. */
  titleSegments: Segment[];
  /** The stretch of text around the match, when that is what the snippet is. */
  excerpt: Segment[];
}

/**
 * Where a result's snippet goes: the server sends the title when the words are in it, else the
 * text around them; comparing the plain text tells which, so the title is never shown twice.
 * Without a snippet the title is shown plain.
 */
export function snippetLines(snippet: string | undefined, title: string): SnippetLines {
  const plainTitle = [{ text: title, mark: false }];
  if (!snippet) return { titleSegments: plainTitle, excerpt: [] };
  const segments = highlight(snippet);
  const isTitle = segments.map((s) => s.text).join('') === title;
  return isTitle ? { titleSegments: segments, excerpt: [] } : { titleSegments: plainTitle, excerpt: segments };
}
