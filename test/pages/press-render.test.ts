import { describe, expect, it } from 'vitest';
import { html } from '../../api/render/html.ts';
import { reactionTable } from '../../api/pages/render/opinion-lists.ts';
import { chinaDay, clockText, daySpan, lastDays } from '../../api/pages/render/time.ts';
import { reaction } from './press-world.ts';

const due = new Date('2026-11-20T12:00:00+08:00');
const at = (hoursBefore: number) => new Date(due.getTime() - hoursBefore * 3_600_000);

describe('task clocks', () => {
  it('says how long is left, with a decimal under ten hours', () => {
    expect(clockText(due, at(30))).toEqual({ overdue: false, text: '剩余 30 小时' });
    expect(clockText(due, at(10.9))).toEqual({ overdue: false, text: '剩余 10 小时' });
    expect(clockText(due, at(4.25))).toEqual({ overdue: false, text: '剩余 4.2 小时' });
    expect(clockText(due, at(0.05))).toEqual({ overdue: false, text: '剩余 0 小时' });
  });

  it('is overdue from the due instant on', () => {
    expect(clockText(due, due)).toEqual({ overdue: true, text: '已超时 0 小时' });
    expect(clockText(due, at(-2.5))).toEqual({ overdue: true, text: '已超时 2.5 小时' });
  });
});

describe('China days', () => {
  it('files an instant under its China date, whatever the server zone', () => {
    expect(chinaDay(new Date('2026-11-19T16:00:00Z'))).toBe('2026-11-20');
    expect(chinaDay(new Date('2026-11-19T15:59:59Z'))).toBe('2026-11-19');
    expect(lastDays(new Date('2026-03-01T01:00:00+08:00'), 3)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(daySpan('2026-11-18', '2026-11-20', 30)).toEqual(['2026-11-18', '2026-11-19', '2026-11-20']);
    expect(daySpan('2026-01-01', '2026-11-20', 2)).toEqual(['2026-11-19', '2026-11-20']);
  });
});

describe('escaping', () => {
  it('escapes text and attribute values, and keeps only markup built by html``', () => {
    const hostile = `"><img src=x onerror=alert(1)>'`;
    expect(html`<td title="${hostile}">${hostile}</td>`.value).toBe(
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;</td>',
    );
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
  });

  it('links a reaction only to an http(s) address', () => {
    const linked = { ...reaction('a', 'd', '2026-11-20', 'neg', '原帖', []), url: 'https://weibo.com/1/abc' };
    const scripted = { ...reaction('a', 'd', '2026-11-20', 'neg', '脚本链接', []), url: 'javascript:alert(1)' };
    const out = reactionTable([linked, scripted]).value;
    expect(out).toContain('<a href="https://weibo.com/1/abc" rel="noopener noreferrer nofollow">原帖</a>');
    expect(out).not.toContain('javascript:');
    expect(out).toContain('无明显情感词');
  });
});
