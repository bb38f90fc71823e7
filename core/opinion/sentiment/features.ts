/**
 * Text → sparse feature vector: jieba tokens, character n-grams and the lexicon's dense features.
 *
 * Word and n-gram features are hashed (FNV-1a) into 2^hashBits buckets, so the model is a fixed
 * array with no vocabulary to ship; the lexicon's few dense features sit after the buckets. Token
 * and n-gram features are binary (present or not) and the hashed part is L2-normalised, so a long
 * post does not outvote a short one merely by length. The dense part is left as is: its scale
 * carries meaning (three negative words are stronger evidence than one).
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { DENSE_FEATURES, LEXICON_WORDS, scoreLexicon, type LexiconHit, type Token } from './lexicon.ts';

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
}

export interface Features {
  idx: Int32Array;
  val: Float32Array;
  /** With `explain`: what a reader should see for each entry (the word or span it came from). */
  display?: string[];
  hits: LexiconHit[];
}

let sharedJieba: Jieba | null = null;

/** One jieba for the process, with the lexicon's words added so 暗箱操作 or 公开透明 stay one token. */
export function jieba(): Jieba {
  if (sharedJieba) return sharedJieba;
  const instance = Jieba.withDict(dict);
  const missing = LEXICON_WORDS.filter((word) => instance.cut(word, false).length > 1);
  instance.loadDict(Buffer.from(missing.map((word) => `${word} 1000`).join('\n')));
  sharedJieba = instance;
  return instance;
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

export function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (const word of jieba().cut(text, false)) {
    // jieba returns every character of the input in order; find() guards the offsets anyway.
    const start = text.startsWith(word, at) ? at : text.indexOf(word, at);
    if (start < 0) continue;
    at = start + word.length;
    if (word.trim()) tokens.push({ word, start, end: at });
  }
  return tokens;
}

/** FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
export function hash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const EMOTICON_CODE = /\[[^[\]\s]{1,8}\]/g;

export class FeatureExtractor {
  readonly size: number;
  private readonly mask: number;

  constructor(readonly config: FeatureConfig) {
    this.mask = 2 ** config.hashBits - 1;
    this.size = 2 ** config.hashBits + DENSE_FEATURES.length;
  }

  extract(rawText: string, explain = false): Features {
    const text = normalise(rawText);
    const tokens = tokenise(text);
    const keys = new Map<string, [number, string]>();
    const add = (key: string, value: number, display: string) => {
      if (!keys.has(key)) keys.set(key, [value, display]);
    };
    this.addSpan(add, '', text, tokens, 0, text.length);
    const repost = text.indexOf('//');
    if (this.config.headFeatures && repost > 0) this.addSpan(add, 'H', text, tokens, 0, repost);
    for (const [code] of text.matchAll(EMOTICON_CODE)) add(`e:${code}`, this.config.tokenWeight, code);

    const lexicon = scoreLexicon(text, tokens);
    for (const hit of lexicon.hits) add(`h:${hit.negated ? '¬' : ''}${hit.display}`, this.config.tokenWeight, hit.display);

    const buckets = new Map<number, number>();
    const entries: Array<[number, number, string]> = [];
    let norm = 0;
    for (const [key, [value, display]] of keys) {
      const index = hash(key) & this.mask;
      buckets.set(index, (buckets.get(index) ?? 0) + value);
      norm += value * value;
      if (explain) entries.push([index, value, display]);
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    const dense = lexicon.dense.map((value) => value * this.config.denseWeight);
    const base = this.mask + 1;
    if (explain) {
      // One entry per key (not per bucket) so each word keeps its own share of a shared bucket.
      return {
        idx: Int32Array.from([...entries.map(([index]) => index), ...dense.map((_, k) => base + k)]),
        val: Float32Array.from([...entries.map(([, value]) => value * scale), ...dense]),
        display: [...entries.map(([, , display]) => display), ...DENSE_FEATURES],
        hits: lexicon.hits,
      };
    }
    const idx = new Int32Array(buckets.size + dense.length);
    const val = new Float32Array(buckets.size + dense.length);
    let n = 0;
    for (const [index, value] of buckets) {
      idx[n] = index;
      val[n++] = value * scale;
    }
    dense.forEach((value, k) => {
      idx[n] = base + k;
      val[n++] = value;
    });
    return { idx, val, hits: lexicon.hits };
  }

  /** Tokens, token bigrams and character n-grams of text[from, to); n-grams are shown as the tokens they fall in. */
  private addSpan(
    add: (key: string, value: number, display: string) => void,
    prefix: string,
    text: string,
    tokens: readonly Token[],
    from: number,
    to: number,
  ) {
    const { tokenWeight, charWeight, charN, tokenBigrams } = this.config;
    const inSpan = tokens.filter((token) => token.start >= from && token.end <= to);
    const tokenAt = new Int32Array(to - from).fill(-1);
    inSpan.forEach((token, t) => tokenAt.fill(t, token.start - from, token.end - from));
    inSpan.forEach((token, t) => {
      add(`${prefix}w:${token.word}`, tokenWeight, token.word);
      const next = inSpan[t + 1];
      if (tokenBigrams && next) add(`${prefix}b:${token.word}|${next.word}`, tokenWeight, text.slice(token.start, next.end));
    });
    for (let n = 1; n <= charN; n++) {
      for (let i = from; i + n <= to; i++) {
        const gram = text.slice(i, i + n);
        if (gram.includes(' ')) continue;
        const first = inSpan[tokenAt[i - from]!];
        const last = inSpan[tokenAt[i + n - 1 - from]!];
        add(`${prefix}c:${gram}`, charWeight, first && last ? text.slice(first.start, last.end) : gram);
      }
    }
  }
}
