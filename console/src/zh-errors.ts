/** The API's zod messages (English) said in Chinese for the form; unknown ones pass through. */
const RULES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/received undefined|^Required$/i, () => '此项必填'],
  [/>=\s*(\d+) (characters|items)/, (m) => (m[2] === 'items' ? `至少 ${m[1]} 项` : `至少 ${m[1]} 个字符`)],
  [/<=\s*(\d+) (characters|items)/, (m) => (m[2] === 'items' ? `最多 ${m[1]} 项` : `最多 ${m[1]} 个字符`)],
  [/Invalid option|Invalid enum/i, () => '请从选项中选择'],
  [/ISO date|YYYY-MM-DD/i, () => '日期格式应为 年-月-日'],
  [/pattern/i, () => '格式不正确'],
  [/expected number/i, () => '应为数字'],
  [/unknown field/i, () => '不应有此项'],
  [/6-digit|region/i, () => '应为 6 位行政区划代码'],
];

export function zhMessage(message: string): string {
  for (const [pattern, say] of RULES) {
    const match = pattern.exec(message);
    if (match) return `${say(match)}（${message}）`;
  }
  return message;
}
