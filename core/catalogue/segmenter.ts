import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

/**
 * jieba's general dictionary plus the given words, each made one token where jieba would split
 * it (loading the dictionary takes about 0.5 s: callers keep the instance).
 */
export function jiebaWith(words: Iterable<string>): Jieba {
  const instance = Jieba.withDict(dict);
  const missing = [...new Set(words)].filter((word) => instance.cut(word, false).length > 1);
  instance.loadDict(Buffer.from(missing.map((word) => `${word} 1000`).join('\n')));
  return instance;
}
