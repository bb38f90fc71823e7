import type { ChannelId } from '../../channels/types.ts';

/**
 * Why a delivery did not go through, in the words agency staff read on the item page. The codes
 * are the vendors' (WeChat errcode: developers.weixin.qq.com doc/offiaccount/Getting_Started/Global_Return_Code.html
 * and the subscribe-message page; Weibo error_code: open.weibo.com/wiki/Error_code), plus the few
 * gongkai records itself (no-consent, mass-budget-spent, transport failures). What the engine does
 * about each code stays in the channel folders; this is only the explanation.
 */
const WECHAT: Record<string, string> = {
  '-1': '微信系统繁忙，稍后自动重试',
  '40001': '访问令牌（access_token）无效，请检查公众号或小程序的 AppSecret',
  '40003': 'OpenID 无效：不是本公众号或小程序的用户，或已注销',
  '40013': 'AppID 不正确',
  '40014': '访问令牌（access_token）格式不正确',
  '40037': '模板 ID 不正确：模板已删除或不属于本账号，请检查模板配置',
  '40125': 'AppSecret 不正确',
  '40164': '服务器 IP 不在微信后台的 IP 白名单中',
  '41001': '缺少访问令牌（access_token）',
  '41030': '小程序页面路径不正确（页面未发布）',
  '42001': '访问令牌（access_token）已过期',
  '43004': '未关注：用户已取消关注公众号，已停止向其推送',
  '43019': '用户已被列入公众号黑名单',
  '43101': '用户拒收：未订阅或已拒绝接收该订阅消息',
  '43108': '同时向同一用户发送过多，稍后自动重试',
  '45009': '当日接口调用次数已用完，次日零时后自动继续',
  '45011': '调用过于频繁，一分钟后自动重试',
  '45028': '没有群发配额',
  '46004': '用户不存在',
  '47003': '模板参数不符合要求（字段过长或格式不符），请检查模板映射',
  '48001': '接口未授权：账号没有该接口权限',
  '87014': '内容含有风险内容，被微信拦截',
  'no-consent': '用户未授权订阅消息（没有可用的订阅次数）',
  'mass-budget-spent': '本月群发次数已用完',
};

const WEIBO: Record<string, string> = {
  '10001': '微博系统错误，稍后自动重试',
  '10006': '微博授权失效，需重新授权微博账号',
  '10016': '缺少必需参数（服务器 IP 未配置）',
  '10017': '正文中的链接不在微博应用的安全域名内',
  '10022': '本 IP 调用次数超过每小时限额，下一小时自动继续',
  '10023': '账号调用次数超过每小时限额，下一小时自动继续',
  '10024': '发布接口调用次数超过每小时限额，下一小时自动继续',
  '20012': '正文超过 140 字',
  '20016': '发布过快：发微博太频繁，稍后自动继续',
  '20017': '已发布过相似内容',
  '20019': '重复内容：该微博已发布过',
  '20022': '本服务器 IP 被微博判定为异常，已暂停发布，请人工核查',
  '20032': '已发布，审核后（约 1–2 分钟）可见',
  '21301': '微博授权失败，需重新授权微博账号',
  '21314': '微博授权已使用过，需重新授权微博账号',
  '21315': '微博授权已过期，需重新授权微博账号',
  '21316': '微博授权已被撤销，需重新授权微博账号',
  '21317': '微博授权已被拒绝，需重新授权微博账号',
  '21319': '微博授权已被移除，需重新授权微博账号',
  '21327': '微博授权已过期，需重新授权微博账号',
  '21332': '微博访问令牌无效，需重新授权微博账号',
};

const TRANSPORT: Record<string, string> = {
  timeout: '平台响应超时，稍后自动重试',
  network: '连接平台失败，稍后自动重试',
  'bad-response': '平台返回无法识别的内容，稍后自动重试',
  'token-unavailable': '暂时取不到访问令牌，稍后自动重试',
  'bad-endpoint': 'Webhook 地址不是 http(s) 地址，请检查配置',
  exception: '发送时出现内部错误，稍后自动重试',
  unexpected: '调用平台时出现意外错误，稍后自动重试',
};

const BY_CHANNEL: Partial<Record<ChannelId, Record<string, string>>> = { 'wechat-oa': WECHAT, 'wechat-mp': WECHAT, weibo: WEIBO };

/** The Chinese explanation of a channel's failure code; a code without one is named as it is. */
export function failureReason(channel: string, code: string): string {
  const known = BY_CHANNEL[channel as ChannelId]?.[code] ?? TRANSPORT[code];
  if (known) return known;
  const http = /^http-(\d{3})$/.exec(code);
  if (http) return Number(http[1]) >= 500 || http[1] === '429' || http[1] === '408' ? `平台返回 HTTP ${http[1]}，稍后自动重试` : `平台拒绝请求（HTTP ${http[1]}）`;
  return `平台返回错误码 ${code}（未收录的代码，请查阅平台文档）`;
}
