import { catalogue } from '../catalogue/index.ts';
import type { SubscriptionInput } from '../subscriptions/subscriptions.ts';
import { FIELD_WORDS_HELP } from './commands.ts';

/** The texts of passive replies. WeChat shows about 2048 bytes of a text reply. */
export const MAX_REPLY_BYTES = 2000;

const COMMANDS = [
  '可发送以下指令：',
  '· 订阅 领域 行政区划代码，如「订阅 住房 110105」',
  '· 订阅 申请 申请编号，如「订阅 申请 HD2026-0001」，关注您的申请结果',
  '· 我的订阅：查看已订阅的内容',
  '· 退订：取消全部订阅',
  `领域可选：${FIELD_WORDS_HELP}；领域和行政区划代码可只写一项。`,
].join('\n');

export const WELCOME = `感谢关注！本号推送公共资源配置领域的政府信息公开内容。\n${COMMANDS}`;
export const HELP = `您好，这里是政府信息公开推送服务。\n${COMMANDS}`;
export const RECEIVED = `已收到您的留言。\n${HELP}`;
export const NOTHING_TO_CANCEL = '您当前没有订阅。发送「订阅 住房 110105」等指令即可订阅。';
export const NO_SUBSCRIPTIONS = NOTHING_TO_CANCEL;
export const LIMIT_REACHED = '订阅数量已达上限，请先发送「退订」取消后再订阅。';

export function subscribeUsage(problem?: string): string {
  return `${problem ? `${problem}。\n` : ''}订阅的写法：\n· 订阅 住房 110105（领域和行政区划代码，可只写一项）\n· 订阅 申请 HD2026-0001（关注您的申请）\n领域可选：${FIELD_WORDS_HELP}。`;
}

/** A subscription's filters as entered (or as listed: region then shows the stored prefix). */
type Filters = Partial<Record<keyof SubscriptionInput, string>>;

/** The filters of a subscription in words, e.g. 领域：住房保障；地区：110105（含下辖区县）. */
export function describeFilters(s: Filters): string {
  const parts: string[] = [];
  if (s.applicationNumber) parts.push(`申请编号：${s.applicationNumber}`);
  if (s.field) parts.push(`领域：${catalogue.find((f) => f.code === s.field)?.name ?? s.field}`);
  if (s.itemType) parts.push(`事项类型：${s.itemType}`);
  if (s.region) parts.push(`地区：${s.region}（含下辖区县）`);
  if (s.agency) parts.push(`发布机关：${s.agency}`);
  if (s.projectCode) parts.push(`项目代码：${s.projectCode}`);
  if (s.keywords) parts.push(`关键词：${s.keywords}`);
  return parts.join('；') || '全部';
}

export function subscribed(input: SubscriptionInput, already: boolean): string {
  const what = describeFilters(input);
  if (already) return `您已订阅过：${what}。发送「我的订阅」查看全部。`;
  return `订阅成功：${what}。有新的公开信息时将通过模板消息通知您。发送「我的订阅」查看，发送「退订」取消全部订阅。`;
}

/** A subscription acknowledged while many pushes arrive at once: taken, not yet made. */
export function subscriptionAccepted(input: SubscriptionInput): string {
  return `已收到您的订阅：${describeFilters(input)}。正在登记，稍后发送「我的订阅」即可查看。`;
}

export const UNSUBSCRIBE_ACCEPTED = '已收到退订，正在为您取消全部订阅。稍后发送「我的订阅」即可确认。';
export const LIST_BUSY = '当前消息较多，暂时无法查询您的订阅，请稍后再发送「我的订阅」。';

export function unsubscribed(count: number): string {
  return count ? `已退订全部 ${count} 项订阅，您将不再收到推送。` : NOTHING_TO_CANCEL;
}

/** The subscription list, cut to what WeChat shows; the total is always given. */
export function subscriptionList(items: Filters[]): string {
  if (!items.length) return NO_SUBSCRIPTIONS;
  const head = `您的订阅（共 ${items.length} 项）：`;
  const tail = '发送「退订」取消全部订阅。';
  let text = head;
  for (const [i, item] of items.entries()) {
    const line = `\n${i + 1}. ${describeFilters(item)}`;
    if (Buffer.byteLength(text + line + '\n……\n' + tail) > MAX_REPLY_BYTES) {
      text += '\n……';
      break;
    }
    text += line;
  }
  return `${text}\n${tail}`;
}
