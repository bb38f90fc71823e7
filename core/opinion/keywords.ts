/**
 * Hot keywords across a batch of comments: what people are talking about under a post.
 *
 * jieba's TF-IDF over the comments taken together (term frequency in the batch × jieba's bundled
 * IDF), minus a stop-word list: Chinese function words, which IDF alone does not push down far
 * enough in short texts, and Weibo platform noise (转发, 微博, 回复, 网页链接 …) that appears in
 * every thread. Uses the sentiment module's jieba, which knows 暗箱操作, 公开透明 and the like.
 */
import { TfIdf } from '@node-rs/jieba';
import { idf } from '@node-rs/jieba/dict.js';
import { jieba } from './sentiment/features.ts';

export interface HotKeyword {
  keyword: string;
  weight: number;
}

const FUNCTION_WORDS =
  '的 了 是 在 我 你 他 她 它 我们 你们 他们 她们 咱们 这 那 这个 那个 这些 那些 这种 那种 这样 那样 这么 那么 就 都 也 还 又 ' +
  '和 与 及 或 而 但 但是 因为 所以 如果 虽然 然后 然而 而且 并且 以及 已经 没有 不是 什么 怎么 怎么样 为什么 为啥 可以 可能 ' +
  '应该 需要 一个 一些 一下 一点 一直 一起 一定 自己 大家 现在 今天 昨天 明天 时候 知道 觉得 真的 还是 就是 只是 不过 以后 ' +
  '之后 之前 其实 如何 哪里 那里 这里 有没有 是不是 能不能 非常 比较 特别 正在 进行 通过 对于 关于 由于 根据 按照 相关 有关 ' +
  '表示 以上 以下 其中 还有 没有 不会 不能 不要 出来 起来 一样 这是 那是 有点 有些 很多 多少 东西 事情 地方 个人 别人 人家 ' +
  '啊 呀 吧 吗 呢 哦 嗯 哈 哈哈 哈哈哈 嘿嘿 呵呵 啦 嘛 哎 唉 诶';
const PLATFORM_NOISE =
  '转发 转发微博 微博 回复 评论 网页 链接 网页链接 超话 全文 展开 收起 视频 图片 原图 查看 分享 来自 客户端 博主 楼主 网友 ' +
  '秒拍 微博视频 此微博 已被 删除 抱歉 http https cn com www url iphone android 置顶 热搜 关注 私信 长图';

/** Words never reported as hot keywords. */
export const STOP_WORDS: ReadonlySet<string> = new Set(`${FUNCTION_WORDS} ${PLATFORM_NOISE}`.split(/\s+/).filter(Boolean));

let tfIdf: TfIdf | null = null;

/** Links, markup, user names, repost markers and emoticon codes identify nothing people discuss. */
function clean(text: string): string {
  return text
    .replace(/https?:\/\/\S*/g, ' ')
    // Pasted or hostile HTML (<script>, <a href>) and its entities: tag names are not topics.
    .replace(/<(script|style)\b[^>]{0,200}>[\s\S]{0,2000}?<\/\1\s*>/gi, ' ')
    .replace(/<\/?[a-z][^<>]{0,200}>/gi, ' ')
    .replace(/&(?:[a-z]{2,8}|#\d{1,6});/gi, ' ')
    .replace(/\/\/@[^:：\s]{1,30}[:：]/g, ' ')
    .replace(/@[^\s:：,，@/]{1,30}/g, ' ')
    .replace(/\[[^[\]\s]{1,8}\]/g, ' ')
    .replace(/[#【】]/g, ' ');
}

const NOT_A_WORD = /^[\p{P}\p{S}\p{N}\s]+$|^[a-z0-9]{1,2}$/iu;

/** The topK keywords of `texts` taken together, highest TF-IDF weight first. */
export function hotKeywords(texts: readonly string[], topK = 10): HotKeyword[] {
  if (topK <= 0 || texts.length === 0) return [];
  tfIdf ??= TfIdf.withDict(idf);
  const text = texts.map(clean).join('\n');
  // @node-rs/jieba 2.0.3's setConfig({ stopWords }) throws for any stopWords value, so stop words
  // are filtered here: ask for more than topK and widen until enough survive or the text runs out.
  for (let asked = topK * 3 + 20; ; asked *= 2) {
    const found = tfIdf.extractKeywords(jieba(), text, asked);
    const kept = found.filter(({ keyword }) => !STOP_WORDS.has(keyword.toLowerCase()) && !NOT_A_WORD.test(keyword));
    if (kept.length >= topK || found.length < asked) {
      return kept.slice(0, topK).map(({ keyword, weight }) => ({ keyword, weight: Math.round(weight * 1e4) / 1e4 }));
    }
  }
}
