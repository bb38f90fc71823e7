/**
 * Text → sparse feature vector: jieba tokens, character n-grams and the lexicon's dense features.
 *
 * Word and n-gram features are hashed (FNV-1a) into 2^hashBits buckets, so the model is a fixed
 * array with no vocabulary to ship; the lexicon's few dense features sit after the buckets. Token
 * and n-gram features are binary (present or not) and the hashed part is L2-normalised, so a long
 * post does not outvote a short one merely by length. The dense part is left as is: its scale
 * carries meaning (three negative words are stronger evidence than one).
 */
import type { Jieba } from '@node-rs/jieba';
import { AGENCY_WORDS, DOMAIN_WORDS } from '../../catalogue/domain-words.ts';
import { jiebaWith } from '../../catalogue/segmenter.ts';
import { INQUIRY } from './dense.ts';
import { DENSE_FEATURES, LEXICON_WORDS, scoreLexicon, type LexiconHit, type Token } from './lexicon.ts';

/**
 * Bump when the extraction changes in a way that moves features (normalisation, keys, masking):
 * model.json records it and a model built with another version refuses to load.
 */
export const FEATURES_VERSION = 6;

export interface FeatureConfig {
  hashBits: number;
  /** Character n-grams of length 1..charN; 0 turns them off. */
  charN: number;
  tokenWeight: number;
  charWeight: number;
  tokenBigrams: boolean;
  /** Also emit the features of the commenter's own words (before the first repost `//@`) separately. */
  headFeatures: boolean;
  /** Multiplier for the dense lexicon block. */
  denseWeight: number;
  /**
   * Give the words of the training posts' topic (疫情, 口罩, 确诊 …: see TOPIC_WORDS) no word or
   * n-gram features: they tell what a post is about, not how its writer feels, and comments on
   * government posts are about other things. Optional so older configurations read as false.
   */
  maskTopic?: boolean;
  /**
   * One extra feature (value 1, outside the normalisation) when a text mentions the COVID topic:
   * a domain indicator read from the text itself, so the model may keep different priors for
   * epidemic posts (mostly cheering on) and everyday ones without needing the domain at run time.
   */
  topicFlag?: boolean;
}

/**
 * The COVID vocabulary of the training posts (early 2020 Weibo), written by hand. Under
 * `maskTopic` these spans are invisible to the hashed features, so the model cannot learn
 * "mentions the epidemic → positive" (most training posts that cheer on medics are positive).
 */
export const TOPIC_WORDS = ('疫情 疫区 防疫 抗疫 战疫 新冠 冠状 病毒 肺炎 武汉 湖北 口罩 确诊 疑似 感染 病例 隔离 封城 ' +
  '防控 医护 医务 医生 护士 医院 患者 病人 火神山 雷神山 方舱 核酸 试剂 疫苗 发热 钟南山 李兰娟 李文亮 红十字会 ' +
  '物资 捐赠 援鄂 驰援 复工 延期 开学').split(' ');
const TOPIC_PATTERN = new RegExp(TOPIC_WORDS.join('|'), 'g');
const TOPIC_TEST = new RegExp(TOPIC_WORDS.join('|'));
const INQUIRY_AT = DENSE_FEATURES.indexOf('inquiry');
const INQUIRY_SPANS = new RegExp(INQUIRY.source, 'g');

export interface Features {
  idx: Int32Array;
  val: Float32Array;
  /** With `explain`: what a reader should see for each entry (the word or span it came from). */
  display?: string[];
  hits: LexiconHit[];
}

let sharedJieba: Jieba | null = null;

/**
 * One jieba for the process, with the lexicon's words, the disclosure fields' vocabulary and the
 * agency names added so 暗箱操作, 公开透明, 公租房 or 住建委 stay one token.
 */
export function jieba(): Jieba {
  return (sharedJieba ??= jiebaWith([...LEXICON_WORDS, ...DOMAIN_WORDS, ...AGENCY_WORDS]));
}

/**
 * Canonical text: full-width forms folded (NFKC), lower case, links and user names replaced by
 * placeholders (they identify people and pages, not sentiment), repost markers kept as `//`, and
 * runs of one character cut to three (哈哈哈哈哈 and !!!!!! say no more than three).
 */
export function normalise(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/https?:\/\/[\w./?=&%#-]*|网页链接/g, ' URL ')
    .replace(/\/\/@[^:\s]{1,30}:/g, ' // ')
    .replace(/@[^\s:,，@/]{1,30}/g, '@')
    .replace(/(.)\1{3,}/gu, '$1$1$1')
    .replace(/\s+/g, ' ')
    .trim();
}

const EMOTICON_CODE = /\[[^[\]\s]{1,8}\]/g;

/** jieba tokens with their offsets; an emoticon code ([笑cry]) is one token, not '[', '笑', 'cry', ']'. */
export function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let from = 0;
  const cut = (to: number) => {
    let at = from;
    for (const word of jieba().cut(text.slice(from, to), false)) {
      const start = at;
      at += word.length;
      if (word.trim()) tokens.push({ word, start, end: at });
    }
  };
  for (const match of text.matchAll(EMOTICON_CODE)) {
    cut(match.index);
    tokens.push({ word: match[0], start: match.index, end: match.index + match[0].length });
    from = match.index + match[0].length;
  }
  cut(text.length);
  return tokens;
}

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over UTF-16 code units of s[from, to), continuing from state h: fast, stable, allocation-free. */
function fnv(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** The hash of a feature key, e.g. `c:透明`; `fnv(fnv(OFFSET, 'c:'), text, i, j)` gives the same without the string. */
export function hash(key: string): number {
  return fnv(FNV_OFFSET, key) >>> 0;
}

export class FeatureExtractor {
  readonly size: number;
  private readonly mask: number;
  /** Scratch accumulator reused across calls (extract is synchronous): value per bucket, and which buckets are set. */
  private readonly scratch: Float32Array;
  private touched: number[] = [];
  private shown = new Map<number, string>();
  private explaining = false;

  constructor(readonly config: FeatureConfig) {
    this.mask = 2 ** config.hashBits - 1;
    this.size = 2 ** config.hashBits + DENSE_FEATURES.length;
    this.scratch = new Float32Array(this.mask + 1);
  }

  extract(rawText: string, explain = false): Features {
    const text = normalise(rawText);
    return this.extractTokens(text, tokenise(text), explain);
  }

  /**
   * The same from an already normalised and segmented text: training segments each text once and
   * builds every variant's features from those tokens (jieba is most of the extraction time).
   */
  extractTokens(text: string, tokens: readonly Token[], explain = false): Features {
    this.explaining = explain;
    const lexicon = scoreLexicon(text, tokens);
    // Spans whose reading the lexicon rules have taken over get no word/n-gram features of their own:
    // - degree adverbs: in the COVID training posts 非常 mostly came before praise, so it would learn
    //   to mean "positive" and make 非常失望 milder than 有点失望;
    // - words the rules re-read (透明 in 不透明, 好样的 next to 呵呵, 公开透明 in 难道…吗): the plain
    //   word's learned polarity would fight the rule. The negator keeps its features (不, 不透).
    // Their effect reaches the model through the lexicon hits (h:非常失望, h:¬不透明, lex_neg, …).
    const ruled = new Uint8Array(text.length);
    for (const t of lexicon.degreeTokens) ruled.fill(1, tokens[t]!.start, tokens[t]!.end);
    for (const hit of lexicon.hits) if (hit.reread && hit.word) ruled.fill(1, hit.word[0], hit.word[1]);
    // - a sincere question's cue words (请问, 什么时候, 哪里) when the inquiry rule fired: in Weibo
    //   posts they mostly voice impatience, and that learned reading would fight the rule.
    if (lexicon.dense[INQUIRY_AT] === 1) for (const match of text.matchAll(INQUIRY_SPANS)) ruled.fill(1, match.index, match.index + match[0].length);
    // Topic words: 2 = hidden outright (unlike 1, also from n-grams that only touch them).
    if (this.config.maskTopic) for (const match of text.matchAll(TOPIC_PATTERN)) ruled.fill(2, match.index, match.index + match[0].length);
    this.addSpan('', text, tokens, 0, text.length, ruled);
    const repost = text.indexOf('//');
    if (this.config.headFeatures && repost > 0) this.addSpan('H', text, tokens, 0, repost, ruled);
    for (const hit of lexicon.hits) this.add(hash(`h:${hit.negated ? '¬' : ''}${hit.display}`), this.config.tokenWeight, hit.display);

    // Binary presence per bucket, then L2 normalisation of the hashed part.
    // The topic flag is appended after the normalisation: a full-strength indicator, like the dense features.
    const flagAt = this.config.topicFlag && TOPIC_TEST.test(text) ? hash('t:topic') & this.mask : -1;
    const flagged = flagAt >= 0 && this.scratch[flagAt] === 0 ? 1 : 0;
    const n = this.touched.length;
    const dense = lexicon.dense.map((value) => value * this.config.denseWeight);
    const idx = new Int32Array(n + flagged + dense.length);
    const val = new Float32Array(n + flagged + dense.length);
    let norm = 0;
    for (const index of this.touched) norm += this.scratch[index]! * this.scratch[index]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    this.touched.forEach((index, k) => {
      idx[k] = index;
      val[k] = this.scratch[index]! * scale;
      this.scratch[index] = 0;
    });
    const base = this.mask + 1;
    if (flagged) {
      idx[n] = flagAt;
      val[n] = 1;
    }
    dense.forEach((value, k) => {
      idx[n + flagged + k] = base + k;
      val[n + flagged + k] = value;
    });
    const display = explain ? [...this.touched.map((index) => this.shown.get(index) ?? '?'), ...(flagged ? ['<疫情话题>'] : []), ...DENSE_FEATURES] : undefined;
    this.touched = [];
    this.shown = new Map();
    return display ? { idx, val, display, hits: lexicon.hits } : { idx, val, hits: lexicon.hits };
  }

  /** Sets a bucket once (first key wins); collisions inside one text are rare enough to ignore. */
  private add(h: number, value: number, display: string) {
    const index = h & this.mask;
    if (this.scratch[index] !== 0 || value === 0) return;
    this.scratch[index] = value;
    this.touched.push(index);
    if (this.explaining) this.shown.set(index, display);
  }

  /** Tokens, token bigrams and character n-grams of text[from, to); n-grams are shown as the tokens they fall in. */
  private addSpan(prefix: string, text: string, tokens: readonly Token[], from: number, to: number, ruled: Uint8Array) {
    const { tokenWeight, charWeight, charN, tokenBigrams } = this.config;
    const seedW = fnv(FNV_OFFSET, `${prefix}w:`);
    const seedB = fnv(FNV_OFFSET, `${prefix}b:`);
    const seedC = fnv(FNV_OFFSET, `${prefix}c:`);
    const inSpan = tokens.filter((token) => token.start >= from && token.end <= to);
    inSpan.forEach((token, t) => {
      if (!ruled[token.start] && ruled[token.end - 1] !== 2) this.add(fnv(seedW, token.word), tokenWeight, token.word);
      const next = inSpan[t + 1];
      if (tokenBigrams && next) {
        this.add(fnv(fnv(fnv(seedB, token.word), '|'), next.word), tokenWeight, token.word + next.word);
      }
    });
    let tokenAt: Int32Array | null = null;
    if (this.explaining) {
      tokenAt = new Int32Array(to - from).fill(-1);
      for (let t = 0; t < inSpan.length; t++) tokenAt.fill(t, inSpan[t]!.start - from, inSpan[t]!.end - from);
    }
    // What a reader sees for an n-gram: the whole token(s) it falls in (透 → 透明), computed only when explaining.
    const shown = (i: number, n: number) => {
      if (!tokenAt) return '';
      const first = inSpan[tokenAt[i - from]!];
      const last = inSpan[tokenAt[i + n - 1 - from]!];
      return first && last ? text.slice(first.start, last.end) : text.slice(i, i + n);
    };
    for (let i = from; i < to; i++) {
      if (text.charCodeAt(i) === 32) continue;
      let h = seedC;
      for (let n = 1; n <= charN && i + n <= to; n++) {
        if (text.charCodeAt(i + n - 1) === 32) break;
        if (ruled[i + n - 1] === 2) break; // a topic word: no n-gram reaches into it
        h = Math.imul(h ^ text.charCodeAt(i + n - 1), 0x01000193);
        if (ruled[i] && ruled[i + n - 1]) continue; // inside a span the rules read
        this.add(h, charWeight, shown(i, n));
      }
    }
  }
}
