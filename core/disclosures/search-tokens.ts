import type { Jieba } from '@node-rs/jieba';
import { DOMAIN_WORDS, SYNONYM_GROUPS } from '../catalogue/domain-words.ts';
import { jiebaWith } from '../catalogue/segmenter.ts';

/**
 * Bump when segmentation changes: stored tokens (disclosures' searchTokens, subscriptions'
 * keywords) then need `npx gongkai search reindex`, or a query may miss what it should find.
 * 2: the six fields' vocabulary (公租房, 摇号 …) is in the dictionary; before it, 共有产权房摇号
 * became 房摇号 and a search for 摇号 missed it. 3: synonyms (公共租赁住房 = 公租房) are indexed.
 */
export const SEGMENTATION_VERSION = 3;

// Loading the dictionary takes ~0.5 s; do it once, on first use.
let jieba: Jieba | undefined;
const segmenter = () => (jieba ??= jiebaWith([...DOMAIN_WORDS, ...SYNONYM_GROUPS.flat()]));

const STOP_WORDS = new Set(['的', '了', '和', '与', '及', '是', '在', '对', '为', '等', '或', '之', '其', '于', '关于']);
// Keep tokens with at least one letter or digit (CJK included); drop punctuation and spaces.
const MEANINGFUL = /[\p{L}\p{N}]/u;
const MAX_TOKENS = 4000;

function normalise(tokens: string[]): string[] {
  return tokens.map((t) => t.trim().toLowerCase()).filter((t) => t && MEANINGFUL.test(t) && !STOP_WORDS.has(t));
}

/**
 * Index side: search-mode segmentation also emits the shorter words inside long ones
 * (海淀区 → 海淀, 海淀区), so a query for either finds the document.
 */
export function indexTokens(texts: string[]): string[] {
  const tokens = new Set<string>();
  collect: for (const text of texts) {
    for (const token of normalise(segmenter().cutForSearch(text, true))) {
      tokens.add(token);
      if (tokens.size >= MAX_TOKENS) break collect;
    }
  }
  // Every name of a group the text mentions, so a search by any of them finds it.
  for (const group of SYNONYM_GROUPS) if (group.some((name) => tokens.has(name))) for (const name of group) tokens.add(name);
  return [...tokens];
}

/** Query side: precise segmentation; every token must match. */
export function queryTokens(q: string): string[] {
  return [...new Set(normalise(segmenter().cut(q, true)))];
}
