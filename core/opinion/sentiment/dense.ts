/**
 * The lexicon's dense features: a handful of numbers per text (how much praise, how much
 * complaint, negations, emoticons, rhetorical questions, sarcasm, plus a few shape cues) that the
 * model weighs alongside the hashed words. Strength sums are log-scaled: the third complaint word
 * adds less than the first.
 */
import type { HitKind, LexiconHit } from './lexicon.ts';

/** The dense features `scoreLexicon` produces, in model order. */
export const DENSE_FEATURES = [
  'lex_pos', 'lex_neg', 'negated', 'emo_pos', 'emo_neg', 'rhetorical', 'sarcasm', 'question', 'exclaim',
  'lex_balance', 'length', 'url', 'no_cue', 'news_style', 'inquiry',
] as const;

/**
 * A sincere question for information (请问…, 什么时候公示, 在哪里办理): residents ask these under
 * official posts, and they are neutral however terse. Not counted when a rhetorical pattern
 * (凭什么, 难道…吗), a sarcasm marker or any negative word or emoticon is present: those are
 * complaints shaped as questions.
 */
export const INQUIRY = /请问|请教|咨询一下|想问一下|什么时候|啥时候|何时|几时|哪里|在哪|哪儿|哪个部门|哪天|几点|几号|多久|如何(办理|申请|查询|报名|预约)|怎么(办理|申请|查询|报名|预约|领取|缴纳|交)|能否|可否|是否|有没有.{0,12}[吗呢?？]|可以.{0,12}[吗?？]/;

/**
 * Dense features whose weights are set by hand, not learned (logit push per class, neg/neu/pos).
 * `inquiry`: in the Weibo training posts a question mostly means impatience (什么时候才能开学啊), so
 * a learned weight reads 请问…什么时候公示？ as anger (−0.70 before); under a government post a
 * question with no negative word is a resident asking, which the press office must see as neutral.
 * Zeroed while training (so the words around it learn nothing from it), set afterwards.
 */
export const HAND_SET_WEIGHTS: Partial<Record<(typeof DENSE_FEATURES)[number], readonly [number, number, number]>> = {
  inquiry: [-1.5, 1.5, -1.5],
};

/** How the reasons show the dense features that are not tied to a word. */
export const DENSE_LABELS: Record<string, string> = {
  question: '<问句>', inquiry: '<询问>', exclaim: '<感叹>', length: '<篇幅>', url: '<链接>', no_cue: '<无情感词>', news_style: '<新闻体>',
};

function sumOf(hits: readonly LexiconHit[], kind: HitKind, sign: 1 | -1): number {
  let total = 0;
  for (const hit of hits) if (hit.kind === kind && Math.sign(hit.value) === sign) total += Math.abs(hit.value);
  return total;
}

function countOf(hits: readonly LexiconHit[], kind: HitKind): number {
  let n = 0;
  for (const hit of hits) if (hit.kind === kind) n++;
  return n;
}

export function denseFeatures(text: string, hits: readonly LexiconHit[]): number[] {
  const sum = (kind: HitKind, sign: 1 | -1) => sumOf(hits, kind, sign);
  const count = (kind: HitKind) => countOf(hits, kind);
  const pos = sum('word', 1);
  const neg = sum('word', -1);
  const values: Record<(typeof DENSE_FEATURES)[number], number> = {
    lex_pos: Math.log1p(pos),
    lex_neg: Math.log1p(neg),
    negated: Math.log1p(hits.filter((hit) => hit.negated).length),
    emo_pos: Math.log1p(sum('emoticon', 1)),
    emo_neg: Math.log1p(sum('emoticon', -1)),
    rhetorical: Math.min(count('rhetorical'), 2),
    sarcasm: Math.min(count('sarcasm') + (text.includes('[微笑]') ? 1 : 0), 2),
    question: /[?？吗]/.test(text) ? 1 : 0,
    exclaim: /[!！]/.test(text) ? 1 : 0,
    lex_balance: Math.tanh((pos - neg + sum('emoticon', 1) - sum('emoticon', -1)) / 2),
    length: Math.log1p(text.length) / 5,
    url: text.includes('URL') ? 1 : 0,
    no_cue: hits.length === 0 ? 1 : 0,
    news_style: /【.+】|《.+》|#[^#]+#/.test(text) ? 1 : 0,
    inquiry: count('rhetorical') + count('sarcasm') === 0 && !hits.some((hit) => hit.value < 0) && INQUIRY.test(text) ? 1 : 0,
  };
  return DENSE_FEATURES.map((name) => values[name]);
}
