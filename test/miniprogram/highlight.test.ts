import { afterAll, describe, expect, it } from 'vitest';
import { removeBuild, requireBuilt } from './helpers/build.ts';

interface Segment {
  text: string;
  mark: boolean;
}

afterAll(removeBuild);

const { highlight, snippetLines, unescapeHtml } = requireBuilt<{
  highlight(snippet: string): Segment[];
  snippetLines(snippet: string | undefined, title: string): { titleSegments: Segment[]; excerpt: Segment[] };
  unescapeHtml(text: string): string;
}>('utils/highlight');

const plain = (text: string) => ({ text, mark: false });
const marked = (text: string) => ({ text, mark: true });

describe('utils/highlight.ts', () => {
  it('reads plain text as one unmarked segment, and nothing as none', () => {
    expect(highlight('公租房分配结果公示')).toEqual([plain('公租房分配结果公示')]);
    expect(highlight('')).toEqual([]);
  });

  it('splits on the marks, merging neighbours and leaving out empty pieces', () => {
    expect(highlight('…朝阳区<mark>公租房</mark>分配<mark>结果</mark>')).toEqual([
      plain('…朝阳区'),
      marked('公租房'),
      plain('分配'),
      marked('结果'),
    ]);
    expect(highlight('<mark>串通</mark><mark>投标</mark>行为')).toEqual([marked('串通投标'), plain('行为')]);
    expect(highlight('<mark></mark>标题')).toEqual([plain('标题')]);
  });

  it('unescapes exactly what the server escapes, once', () => {
    expect(highlight('&lt;b&gt;收入&lt;/b&gt; &amp; &quot;证明&quot; &#39;材料&#39;')).toEqual([plain('<b>收入</b> & "证明" \'材料\'')]);
    expect(highlight('<mark>&lt;script&gt;</mark>')).toEqual([marked('<script>')]);
    // Escaped twice by whoever wrote it: one level comes off, the text keeps the other.
    expect(unescapeHtml('&amp;lt;b&amp;gt;')).toBe('&lt;b&gt;');
    // Entities the server never writes stay as they are.
    expect(unescapeHtml('A&nbsp;B &#60; &copy;')).toBe('A&nbsp;B &#60; &copy;');
  });

  it('reads a malformed snippet as text: unclosed marks run to the end, stray closes and other tags are text or dropped', () => {
    expect(highlight('申请<mark>公租房')).toEqual([plain('申请'), marked('公租房')]);
    expect(highlight('申请</mark>公租房')).toEqual([plain('申请公租房')]);
    expect(highlight('<b>粗体</b><MARK>大写</MARK>')).toEqual([plain('<b>粗体</b><MARK>大写</MARK>')]);
    expect(highlight('<mark class="x">属性</mark>')).toEqual([plain('<mark class="x">属性')]);
  });

  it('puts a title snippet on the title, and any other snippet beneath it', () => {
    const title = '公租房分配结果公示（第 1 批）';
    expect(snippetLines('<mark>公租房</mark>分配结果公示（第 1 批）', title)).toEqual({
      titleSegments: [marked('公租房'), plain('分配结果公示（第 1 批）')],
      excerpt: [],
    });
    expect(snippetLines('…须提交<mark>收入证明</mark>…', title)).toEqual({
      titleSegments: [plain(title)],
      excerpt: [plain('…须提交'), marked('收入证明'), plain('…')],
    });
    expect(snippetLines(undefined, title)).toEqual({ titleSegments: [plain(title)], excerpt: [] });
    expect(snippetLines('A &amp; B', 'A & B')).toEqual({ titleSegments: [plain('A & B')], excerpt: [] });
  });
});
