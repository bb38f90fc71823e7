import { catalogue, type FieldCode } from '../catalogue/index.ts';
import { subscriptionInput, type SubscriptionInput } from '../subscriptions/subscriptions.ts';

/** What a follower's text asks for. `other` is not a command: it goes to the opinion inbox. */
export type Command =
  | { kind: 'subscribe'; input: SubscriptionInput }
  | { kind: 'subscribe-usage'; problem?: string }
  | { kind: 'unsubscribe' }
  | { kind: 'list' }
  | { kind: 'other' };

/** Words residents use for the fields, besides the catalogue's own names. */
const FIELD_WORDS = new Map<string, FieldCode>([
  ...catalogue.map((f) => [f.name, f.code] as const),
  ...catalogue.map((f) => [f.code, f.code] as const),
  ['住房', 'housing'],
  ['保障房', 'housing'],
  ['土地', 'land'],
  ['矿业', 'mining'],
  ['矿业权', 'mining'],
  ['采购', 'procurement'],
  ['产权', 'state-assets'],
  ['国有产权', 'state-assets'],
  ['招标', 'bidding'],
  ['招投标', 'bidding'],
  ['招标投标', 'bidding'],
  ['黑名单', 'blacklist'],
]);

export const FIELD_WORDS_HELP = '住房、土地、矿业、采购、产权、招标、黑名单';

/**
 * Reads a text message as a command. Full-width digits, spaces and colons are folded first
 * (NFKC), since phone keyboards produce them.
 */
export function parseCommand(content: string): Command {
  const text = content.normalize('NFKC').replace(/[,:、]/g, ' ').trim();
  if (text === '退订' || text === '取消订阅' || text === '取消全部订阅') return { kind: 'unsubscribe' };
  if (text === '我的订阅' || text === '查看订阅') return { kind: 'list' };
  const match = /^订阅(\s*)([\s\S]*)$/.exec(text);
  if (!match) return { kind: 'other' };
  const [, space = '', rest = ''] = match;
  const parsed = parseSubscribeArgs(rest.trim());
  // "订阅号怎么用" is a question, not a command: without a space only a recognised filter counts.
  if (!space && rest && parsed.kind !== 'subscribe') return { kind: 'other' };
  return parsed;
}

function parseSubscribeArgs(rest: string): Command {
  if (!rest) return { kind: 'subscribe-usage' };
  const application = /^申请(?:编号)?\s*([\s\S]*)$/.exec(rest);
  if (application) {
    const number = (application[1] ?? '').trim();
    return checked({ applicationNumber: number }, number && !/\s/.test(number) ? undefined : '请在「申请」后写一个申请编号');
  }
  const input: { field?: FieldCode; region?: string } = {};
  // "住房110105" and "110105住房" are split into their two words.
  const tokens = rest.replace(/(\D)(\d)/g, '$1 $2').replace(/(\d)(\D)/g, '$1 $2').split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const fieldCode = FIELD_WORDS.get(token);
    if (fieldCode) {
      if (input.field) return { kind: 'subscribe-usage', problem: '一条订阅只能选一个领域，请分开发送' };
      input.field = fieldCode;
    } else if (/^\d{6}$/.test(token)) {
      if (input.region) return { kind: 'subscribe-usage', problem: '一条订阅只能选一个行政区划，请分开发送' };
      input.region = token;
    } else if (/^\d+$/.test(token)) {
      return { kind: 'subscribe-usage', problem: '行政区划代码应为6位数字，如 110105' };
    } else {
      return { kind: 'subscribe-usage', problem: `未能识别「${token.slice(0, 20)}」` };
    }
  }
  return checked(input);
}

function checked(input: SubscriptionInput, problem?: string): Command {
  if (problem) return { kind: 'subscribe-usage', problem };
  const result = subscriptionInput.safeParse(input);
  if (!result.success) return { kind: 'subscribe-usage', problem: '申请编号只能包含字母、数字和“-”' };
  return { kind: 'subscribe', input: result.data };
}
