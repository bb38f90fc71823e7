/**
 * Sentiment lexicon for comments on government posts, as data plus the rules that read it.
 *
 * Written by hand for this project (general Chinese emotion words, the vocabulary people use about
 * administrations — 暗箱, 黑幕, 踢皮球, 点赞, 公开透明 — everyday feelings and Weibo slang — 好开心,
 * 心累, 破防, 绝了 — and the Weibo emoticons and common emoji). The model does not
 * trust it blindly: `scoreLexicon` turns it into a handful of dense features whose weights are
 * learned with the rest. The point is generalisation: the training posts are about COVID, but a
 * word such as 懒政 is negative whether or not it appeared there.
 *
 * Changing anything here changes the features: retrain (`npm run train:sentiment`). The model file
 * stores `lexiconFingerprint()` and refuses to load against a different lexicon.
 */
import { createHash } from 'node:crypto';
import { DENSE_FEATURES, denseFeatures, INQUIRY } from './dense.ts';
import { AGENCY_WORDS, DOMAIN_WORDS } from '../../catalogue/domain-words.ts';

/** Space-separated word lists by strength; a negative strength is a negative word. */
const WORDS: Array<[number, string]> = [
  [2, '点赞 赞 好评 称赞 赞扬 表扬 棒 很棒 真棒 好棒 太棒了 优秀 出色 给力 厉害 牛 牛逼 威武 霸气 靠谱 良心 暖心 温暖 感动 感人 ' +
    '感谢 谢谢 多谢 感恩 感激 致敬 敬礼 辛苦了 好样的 佩服 敬佩 骄傲 自豪 伟大 英雄 榜样 楷模 开心 高兴 快乐 幸福 喜欢 热爱 ' +
    '喜爱 爱了 欣慰 欣喜 满意 放心 安心 完美 精彩 美好 公开透明 公开公正 公平公正 公正廉洁 廉洁 清廉 为民 惠民 利民 便民 ' +
    '办实事 为人民服务 有担当 担当 负责任 尽职尽责 贴心 周到 高效 神速 nice good 赞同 拥护 正能量 点个赞 yyds 厉害了'],
  [1, '好 不错 挺好 很好 真好 好的 支持 加油 希望 期待 祝福 祝愿 平安 健康 顺利 成功 胜利 美丽 漂亮 可爱 好看 舒服 方便 便捷 ' +
    '便利 及时 迅速 快速 透明 公开 公正 公平 务实 实在 实事 负责 尽责 用心 细心 耐心 热情 专业 规范 有序 清晰 明确 详细 ' +
    '细致 到位 落实 解决 帮助 帮忙 认可 赞成 同意 值得 推荐 喜讯 好消息 庆幸 幸运 哈哈 哈哈哈 嘻嘻 笑 安全 保障 改善 ' +
    '进步 提升 合理 规范化 人性化 接地气 有效 管用 放心了 期盼 憧憬 平安归来 天使 守护 团结 齐心 坚强 勇敢 奉献 无私 爱 省心 实惠 好事 有温度 零跑腿 好政策'],
  [-2, '暗箱 暗箱操作 黑幕 黑箱 不公 不公平 不公正 腐败 贪污 贪腐 受贿 贪官 狗官 蛀虫 以权谋私 权钱交易 徇私 猫腻 内定 关系户 ' +
    '走后门 萝卜招聘 敷衍 推诿 踢皮球 不作为 乱作为 懒政 怠政 庸政 官僚 官僚主义 形式主义 走过场 作秀 造假 弄虚作假 欺骗 ' +
    '隐瞒 瞒报 谎报 删帖 控评 甩锅 扯皮 糊弄 搪塞 失职 渎职 草菅人命 丧尽天良 缺德 黑心 无耻 可耻 不要脸 垃圾 骗子 骗局 ' +
    '恶心 愤怒 气愤 生气 气死 火大 暴怒 愤慨 寒心 心寒 失望 绝望 崩溃 痛心 痛苦 悲伤 伤心 难过 可恨 讨厌 厌恶 憎恨 ' +
    '恐怖 可怕 恐慌 混蛋 人渣 败类 废物 白痴 脑残 智障 傻逼 煞笔 妈蛋 卧槽 尼玛 他妈的 tmd 滚 荒唐 荒谬 离谱 吃相难看 ' +
    '欺负 欺压 打压 压榨 霸凌 冷血 卑鄙 虚伪 双标 强拆 乱收费 乱罚款 一刀切 欠薪 石沉大海 没人管 不管不问 一拖再拖 无能 扯淡 骗人 坑爹 保护伞 官官相护 包庇 黑社会'],
  [-1, '质疑 投诉 举报 曝光 维权 求助 救救 求救 不满 不满意 差评 差劲 糟糕 混乱 乱象 拖延 拖沓 冷漠 违规 违法 特权 扰民 ' +
    '坑 坑人 忽悠 无语 醉了 服了 奇葩 可笑 丢人 丢脸 辣眼睛 害怕 担心 担忧 焦虑 恐惧 紧张 心疼 哭 惨 悲惨 可怜 ' +
    '委屈 憋屈 郁闷 烦 烦躁 烦死 无奈 唉 哎 累 疲惫 难受 痛 病 死 去世 牺牲 严重 危险 谣言 骂 谴责 抗议 彻查 严惩 问责 ' +
    '追责 敷衍了事 缺乏 不足 短缺 困难 麻烦 隐患 漏洞 低效 效率低 慢 太慢 没用 无用 不靠谱 假 假的 虚假 误导 骗 黑 ' +
    '差 烂 乱 凉 惨痛 心酸 难 艰难 焦急 着急 急 悲哀 可悲 活该 窒息 迷惑 费解 离谱了 凉凉 堵心 闹心 揪心 耻辱 遗憾 拖 拖欠 插队 纵容 失信 违约 涨价 污染 噪音 臭 脏 堵'],
  // General-domain everyday emotion words and Weibo slang (joy, love, gratitude, wishes, taste and
  // looks; sadness, anger, fear, disgust, fatigue, disappointment, bad luck), written by hand for this
  // project so the model carries beyond the COVID posts it is trained on.
  [2, '太好了 好开心 超开心 真开心 开森 好幸福 超幸福 幸福感 甜蜜 好甜 美滋滋 好爽 超爽 激动 兴奋 惊喜 感激不尽 爱你 ' +
    '爱你们 爱死 么么哒 笑死 嘿嘿 耶 牛批 666 绝绝子 真香 太美 美哭 好美 超美 好吃 好好吃 美味 赞赞赞 棒棒 棒棒哒 ' +
    '温柔 超萌 治愈 满足 知足 舒心 顺心 如意 吉祥 恭喜 祝贺 恭喜发财 生日快乐 新年快乐 节日快乐 圆满 欢乐 欢喜 喜大普奔 ' +
    '普天同庆 心花怒放 兴高采烈 喜出望外 乐开花 笑开花 awesome love happy 冲鸭 好运 锦鲤 可喜可贺 喜悦 愉快 愉悦 惬意 ' +
    '浪漫 温馨 振奋 振奋人心 热血沸腾 窝心 好人一生平安 善良 好帅 惊艳 赏心悦目 心动 宝藏 满分 大爱 超赞 好评如潮 ' +
    '开心死了 乐坏了 太幸运 美美的 好喜欢 超喜欢 最爱 心满意足 称心 顺心如意 万事如意 心想事成 一帆风顺 甜甜的'],
  [1, '开心果 乐呵 欢迎 嘎嘎 great 稳 稳了 福气 轻松 自在 鼓舞 暖 好人 正义 帅 酷 心水 种草 超值 ' +
    '划算 期待已久 哈哈哈哈 嘻嘻嘻 呵呵哒 嗨 萌 甜 爽 妙 绝了 nb 享受 放松 好玩 有趣 有意思 好听 ' +
    '羡慕 加油鸭 晚安 早安 好梦 平平安安 健健康康 开开心心 快快乐乐 团圆 相聚 重逢 收获 进步了 成长 努力 奋斗 ' +
    '坚持 梦想 阳光 美食 礼物 红包 放假 假期 thanks thank 祝 祝你 祝大家 帅气 美 偷乐 开怀大笑 踏实 好起来 挺住 坚持住 夸'],
  [-2, '心碎 心痛 痛哭 大哭 哭死 泪崩 抑郁 心累 累死 累成狗 烦死了 讨厌死 气死了 气炸 气哭 恼火 恼怒 暴躁 抓狂 发疯 ' +
    '无语了 吐血 想吐 反胃 作呕 辣鸡 渣男 渣女 倒霉 晦气 太惨了 悲剧 悲催 杯具 心塞 破防 裂开 蚌埠住 绷不住 失落 沮丧 ' +
    '压力山大 疼死 吓死 吓人 惊恐 担惊受怕 后悔 哀悼 悼念 默哀 一路走好 去世了 离世 逝世 愤恨 仇恨 鄙视 不爽 被骗 诈骗 ' +
    '家暴 虐待 冷暴力 骗钱 奸商 态度差 态度恶劣 服务差 难吃 神经病 有病 脑子有病 弱智 妈的 我靠 fuck shit 伤透 ' +
    '心如刀割 泣不成声 痛不欲生 生无可恋 欲哭无泪 叫苦连天 怨声载道 忍无可忍 气急败坏 火冒三丈 怒不可遏 令人发指 ' +
    '毛骨悚然 不寒而栗 胆战心惊 提心吊胆 心惊胆战 惶恐 惊慌 恐怖分子 崩了 炸了 糟透了 烂透了 差死了 坑死 坑惨 哭晕 想哭 好想哭 伤心欲绝 悲痛 悲愤 可恶 该死 去死 滚蛋 完蛋 憨批 mlgb 暴毙 屁用'],
  [-1, '丧 好丧 emo 好累 烦人 疯了 吐了 渣 霉运 可惜 惋惜 心慌 慌 失眠 睡不着 头疼 头痛 生病 发烧 ' +
    '疼 孤独 寂寞 空虚 迷茫 焦躁 孤单 难熬 熬夜 加班 失恋 分手 吵架 退货 退款 拉黑 丑 难看 难听 嫌弃 恨 ' +
    '呜呜 呜呜呜 嘤嘤嘤 555 哭唧唧 麻了 哭了 泪 流泪 眼泪 伤感 哀伤 忧伤 忧郁 惆怅 失意 挫败 打击 受伤 委屈巴巴 ' +
    '心疼死 可怜巴巴 倒霉催 尴尬 无聊 没劲 没意思 烦恼 苦恼 苦 辛酸 心烦 md sb ' +
    'sad 吓 怕 惊吓 担惊 纠结 郁闷死 憋屈死 堵得慌 扎心 糟心 闹心死 伤不起 受不了 忍不了 看不下去 听不下去 哭泣 泪流满面 傻 蠢 完了 糟了 惨了 不安 怕怕'],
];

/** Weibo emoticon codes and common emoji. [微笑] is the platform's sarcastic smile, hence negative. */
const EMOTICONS: Record<string, number> = {
  '[赞]': 2, '[心]': 2, '[good]': 2, '[鼓掌]': 2, '[爱你]': 2, '[太开心]': 2, '[给力]': 2, '[威武]': 2, '[中国赞]': 2,
  '[给你小心心]': 2, '[好喜欢]': 2, '[好爱哦]': 2, '[赞啊]': 2, '[哈哈]': 1.5, '[加油]': 1.5, '[鲜花]': 1.5, '[嘻嘻]': 1.5,
  '[耶]': 1.5, '[亲亲]': 1.5, '[笑哈哈]': 1.5, '[抱抱]': 1, '[作揖]': 1, '[拳头]': 1, '[ok]': 1, '[憧憬]': 1, '[偷笑]': 1,
  '[握手]': 1, '[可爱]': 1, '[礼物]': 1, '[酷]': 1, '[色]': 1, '[太阳]': 0.5, '[二哈]': 0.3,
  '[怒]': -2, '[怒骂]': -2, '[伤心]': -2, '[失望]': -2, '[鄙视]': -2, '[生气]': -2, '[崩溃]': -2, '[裂开]': -1.5,
  '[泪]': -1.5, '[悲伤]': -1.5, '[抓狂]': -1.5, '[吐]': -1.5, '[委屈]': -1.5, '[哭]': -1.5, '[弱]': -1.5, '[惊恐]': -1.5,
  '[苦涩]': -1.5, '[衰]': -1, '[哼]': -1, '[左哼哼]': -1, '[右哼哼]': -1, '[晕]': -1, '[费解]': -1, '[跪了]': -1,
  '[允悲]': -1, '[微笑]': -1, '[黑线]': -1, '[打脸]': -1, '[傻眼]': -1, '[闭嘴]': -1, '[生病]': -1, '[no]': -1,
  '[笑cry]': -0.5, '[汗]': -0.5, '[疑问]': -0.5, '[摊手]': -0.5, '[拜拜]': -0.5, '[可怜]': -0.5, '[感冒]': -0.5,
  '[无聊]': -0.5, '[困]': -0.5, '[吃瓜]': -0.3, '[doge]': -0.2,
  '👍': 2, '❤': 2, '❤️': 2, '😊': 1.5, '😄': 1.5, '🙏': 1, '💪': 1.5, '🌹': 1, '😂': 0.3,
  '[打call]': 2, '[蛋糕]': 1.5, '[舔屏]': 1.5, '[抱一抱]': 1, '[害羞]': 1, '[羞嗒嗒]': 1, '[馋嘴]': 1, '[坏笑]': 0.5,
  '[挤眼]': 0.5, '[顶]': 1, '[喵喵]': 1, '[来]': 0.5, '[互粉]': 0.3, '[月亮]': 0.3, '[微风]': 0.3, '[兔子]': 0.5, '[熊猫]': 0.5,
  '[笑而不语]': 0.5, '[心碎]': -2, '[蜡烛]': -1.5, '[白眼]': -1, '[阴险]': -0.5, '[哈欠]': -0.3, '[挖鼻]': -0.3, '[酸]': -0.5,
  '[吃惊]': -0.3, '[并不简单]': -0.3, '[睡]': -0.3, '[泪目]': -0.5, '[悲催]': -1.5, '[怒吼]': -2, '[淚]': -1.5, '[愛你]': 2, '[菜刀]': -1.5, '[囧]': -0.5, '[浮云]': -0.3, '[神马]': -0.3, '[污]': 0.3,
  '😍': 2, '🥰': 2, '😘': 1.5, '😁': 1.5, '😀': 1.5, '😃': 1.5, '🤗': 1, '👏': 2, '🎉': 1.5, '🎂': 1.5, '💕': 2, '💖': 2,
  '💗': 2, '😆': 1.5, '☺️': 1.5, '😋': 1.5, '😎': 1, '🤣': 0.5, '😢': -1.5, '😞': -1.5, '😔': -1.5, '😩': -1.5, '😫': -1.5,
  '😱': -1.5, '😰': -1.5, '😨': -1.5, '🤮': -2, '💩': -1.5, '👎': -2, '😒': -1, '😓': -1, '😅': -0.3, '🙃': -0.5, '🤬': -2,
  '😑': -0.5, '😪': -1, '😖': -1.5, '😣': -1.5, '😥': -1, '🕯': -1.5,
  '😭': -1.5, '😡': -2, '😠': -2, '💔': -2, '😤': -1.5, '🙄': -1,
};

/** Negators. A token starting with one (不透明, 没意思) is read as negator + rest when the rest is a word. */
const NEGATORS = new Set('不 没 没有 未 别 无 非 莫 勿 不是 并非 并不 并没有 从不 从没 毫不 毫无 绝不 决不 从未 尚未 不会 不能 不要 不用 不必 不太 不够 不怎么 一点也不 根本不 根本没有'.split(' '));
const NEGATOR_PREFIXES = ['根本不', '一点也不', '不怎么', '不太', '不够', '不是', '没有', '不', '没', '未', '无', '别'];

/** Degree adverbs and their multipliers: intensifiers above 1, down-toners below. */
const DEGREE: Record<string, number> = {
  极其: 2, 极度: 2, 极为: 2, 万分: 2, 无比: 2, 最: 1.8, 太: 1.8, 超: 1.8, 超级: 1.8, 非常: 1.8, 特别: 1.8, 十分: 1.6,
  相当: 1.5, 简直: 1.5, 实在: 1.5, 格外: 1.5, 巨: 1.5, 贼: 1.5, 好: 1.5, 真: 1.4, 真的: 1.4, 真是: 1.4, 很: 1.3,
  更: 1.3, 更加: 1.3, 越来越: 1.3, 挺: 1.2, 蛮: 1.2, 比较: 0.8, 还算: 0.7, 有点: 0.5, 有些: 0.5, 有一点: 0.5,
  一点: 0.5, 稍微: 0.5, 稍: 0.5, 略: 0.5, 略微: 0.5, 些许: 0.5,
};

/** Rhetorical questions read as complaints in comments on official posts, whatever their words. */
const RHETORICAL: Array<[RegExp, string]> = [
  [/难道.{0,24}?[吗么嘛]/g, '难道…吗'], [/凭什么|凭啥/g, '凭什么'], [/怎么可能/g, '怎么可能'], [/怎么能/g, '怎么能'],
  [/有(什么|啥|屁)用/g, '有什么用'], [/这就是.{0,16}?[吗么][?？]?/g, '这就是…吗'], [/何必|何苦/g, '何必'], [/岂不是?|岂能/g, '岂…'], [/还好意思/g, '还好意思'],
  [/有没有人管|谁来管|管不管/g, '有没有人管'], [/不是说.{0,16}?[吗么]/g, '不是说…吗'], [/就这[?？]/g, '就这?'],
  [/(为什么|为啥|咋)[^,.!?。，！？]{0,24}[?？]/g, '为什么…?'],
];

/**
 * Cheap sarcasm markers; when one is present, praise words in the same text count against.
 * 真是好样的 is also said sincerely, so it only counts next to something negative (true below).
 */
const SARCASM: Array<[RegExp, string, boolean]> = [
  [/呵呵/g, '呵呵', false], [/好一个/g, '好一个', false], [/真有你的/g, '真有你的', false],
  [/(可|真)会(玩|甩锅|说)/g, '真会…', false], [/谢谢你?全家/g, '谢谢全家', false], [/高,?实在是高/g, '高实在是高', false],
  [/\[微笑\]/g, '[微笑]', false], [/真是?好样的/g, '真是好样的', true],
];

/** How many emoticon codes and emoji the lexicon reads (for the provenance notes). */
export const EMOTICON_COUNT = Object.keys(EMOTICONS).length;

export const WORD_POLARITY: ReadonlyMap<string, number> = new Map(
  WORDS.flatMap(([strength, words]) => words.split(/\s+/).filter(Boolean).map((word) => [word, strength] as const)),
);

/** Multi-character lexicon words, handed to jieba so 暗箱操作 or 公开透明 stay one token. */
export const LEXICON_WORDS: readonly string[] = [...WORD_POLARITY.keys()].filter((word) => [...word].length > 1);

export { DENSE_FEATURES, DENSE_LABELS } from './dense.ts';

export interface Token { word: string; start: number; end: number }
export type HitKind = 'word' | 'emoticon' | 'rhetorical' | 'sarcasm';
/**
 * One lexicon match: what the reader sees, its signed strength after negation/degree, and its kind.
 * `reread`: a rule changed the word's usual reading (negated, or praise inside sarcasm or a
 * rhetorical question); `word` is where the word itself sits in the text.
 */
export interface LexiconHit {
  display: string;
  value: number;
  kind: HitKind;
  negated: boolean;
  reread?: boolean;
  at: number;
  word?: [number, number];
}
/** `degreeTokens`: indexes of the tokens read as degree adverbs (they scale a word; they carry no polarity of their own). */
export interface LexiconResult { dense: number[]; hits: LexiconHit[]; degreeTokens: number[] }

/** One pass finds every emoticon: bracket codes, then the emoji keys (longest first, so ❤️ beats ❤). */
const EMOTICON_PATTERN = new RegExp(
  `\\[[^[\\]\\s]{1,8}\\]|${Object.keys(EMOTICONS).filter((k) => !k.startsWith('[')).sort((a, b) => b.length - a.length).join('|')}`,
  'gu',
);
/** Cheap pre-check: most texts contain none of the rhetorical patterns' anchor characters. */
const RHETORICAL_TRIGGER = /难道|凭|怎么|有什么用|有啥用|有屁用|这就是|何必|何苦|岂|还好意思|管|不是说|就这|为什么|为啥|咋/;
const BOUNDARY = /^[,.!?;:~，。！？；：…\s/\\|]+$/;
const TRAILING = /(了|的|啊|呀|吧|哦|啦)$/;

/** `skip`: characters of negator prefix inside the token (2 for 不是很好 read as 不是 + 很好). */
type Found = { value: number; negated: boolean; skip: number } | null;
const lookups = new Map<string, Found>();

/** A token's polarity, directly or as negator + word (不透明); memoised, as the same tokens recur all day. */
function lookup(word: string): Found {
  let found = lookups.get(word);
  if (found !== undefined) return found;
  found = lookupUncached(word);
  if (lookups.size > 100_000) lookups.clear(); // bounded: a long-running service sees unbounded vocabulary
  lookups.set(word, found);
  return found;
}

function lookupUncached(word: string): Found {
  const direct = WORD_POLARITY.get(word) ?? WORD_POLARITY.get(word.replace(TRAILING, ''));
  if (direct !== undefined) return { value: direct, negated: false, skip: 0 };
  for (const prefix of NEGATOR_PREFIXES) {
    if (word.length > prefix.length && word.startsWith(prefix)) {
      const rest = WORD_POLARITY.get(word.slice(prefix.length).replace(TRAILING, ''));
      if (rest !== undefined) return { value: rest, negated: true, skip: prefix.length };
    }
  }
  return null;
}

function modifiesNext(next: Token | undefined): boolean {
  return next !== undefined && (lookup(next.word) !== null || NEGATORS.has(next.word));
}

/** 不好 is clearly negative, 不差 only mildly positive: negation flips and damps unevenly. */
function negate(value: number): number {
  return value > 0 ? -0.8 * value : -0.4 * value;
}

/**
 * Reads the tokens of one normalised text: sentiment words with their negators (within 3 tokens,
 * not across punctuation) and degree adverbs, emoticons, rhetorical questions and sarcasm markers.
 */
export function scoreLexicon(text: string, tokens: readonly Token[]): LexiconResult {
  const hits: LexiconHit[] = [];
  let negations = 0;
  let degree = 1;
  let scopeStart = -1;
  let lastModifier = -10;
  const degreeTokens: number[] = [];
  // Words inside emoticon codes ([笑cry], [哈哈]) are the emoticon's business, not the lexicon's.
  const inEmoticon = new Uint8Array(text.length);
  for (const match of text.matchAll(EMOTICON_PATTERN)) inEmoticon.fill(1, match.index, match.index + match[0].length);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (inEmoticon[token.start]) continue;
    const boundary = BOUNDARY.test(token.word);
    if (boundary || i - lastModifier > 3) {
      negations = 0;
      degree = 1;
      scopeStart = -1;
    }
    if (boundary) continue;
    // 好/真/太 are degree adverbs before a sentiment word (好害怕), sentiment words otherwise (好!).
    if (NEGATORS.has(token.word) || (DEGREE[token.word] !== undefined && (!WORD_POLARITY.has(token.word) || modifiesNext(tokens[i + 1])))) {
      if (NEGATORS.has(token.word)) negations++;
      else {
        degree *= DEGREE[token.word]!;
        degreeTokens.push(i);
      }
      if (scopeStart < 0) scopeStart = token.start;
      lastModifier = i;
      continue;
    }
    const found = lookup(token.word);
    if (!found) continue;
    const negated = (negations + (found.negated ? 1 : 0)) % 2 === 1;
    const value = negated ? negate(found.value * degree) : found.value * degree;
    const display = text.slice(scopeStart < 0 ? token.start : scopeStart, token.end);
    hits.push({ display, value, kind: 'word', negated, reread: negated, at: token.start, word: [token.start + found.skip, token.end] });
  }

  for (const match of text.matchAll(EMOTICON_PATTERN)) {
    const value = EMOTICONS[match[0]];
    if (value !== undefined) hits.push({ display: match[0], value, kind: 'emoticon', negated: false, at: match.index });
  }
  if (RHETORICAL_TRIGGER.test(text)) {
    const words = hits.filter((hit) => hit.kind === 'word');
    for (const [pattern, label] of RHETORICAL) {
      for (const match of text.matchAll(pattern)) {
        hits.push({ display: label, value: -1, kind: 'rhetorical', negated: false, at: match.index });
        // 难道这就是公开透明吗: the praise is what is being questioned. 为什么… questions can be sincere.
        if (label === '为什么…?') continue;
        for (const hit of words) {
          if (hit.value > 0 && hit.at >= match.index && hit.at < match.index + match[0].length) {
            hit.value = -0.7 * hit.value;
            hit.reread = true;
          }
        }
      }
    }
  }
  const negativeContext = hits.some((hit) => hit.value < 0);
  let sarcastic = false;
  for (const [pattern, label, needsNegative] of SARCASM) {
    if (text.search(pattern) < 0 || (needsNegative && !negativeContext)) continue;
    sarcastic = true;
    if (label === '[微笑]') continue; // already counted as an emoticon
    for (const match of text.matchAll(pattern)) hits.push({ display: label, value: -1, kind: 'sarcasm', negated: false, at: match.index });
  }
  if (sarcastic) {
    // Praise next to 呵呵 is mockery: turn it against, at reduced strength.
    for (const hit of hits) {
      if (hit.kind === 'word' && hit.value > 0) {
        hit.value = -0.7 * hit.value;
        hit.reread = true;
      }
    }
  }
  return { dense: denseFeatures(text, hits), hits, degreeTokens };
}

/** Identifies this lexicon's content, stored with the model so a stale model is caught at load. */
export function lexiconFingerprint(): string {
  // The fields' vocabulary goes to the segmenter with the lexicon's words, so it shapes tokens too.
  const content = JSON.stringify([WORDS, EMOTICONS, [...NEGATORS], DEGREE, RHETORICAL.map(([r, l]) => [r.source, l]),
    SARCASM.map(([r, l, n]) => [r.source, l, n]), DENSE_FEATURES, DOMAIN_WORDS, AGENCY_WORDS, INQUIRY.source]);
  return createHash('sha256').update(content).digest('hex').slice(0, 16);
}
