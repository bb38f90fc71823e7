/** Words and formats shared by the admin pages (系统管理). */

const CHINA_TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** An instant as a date and time in China, whatever the browser's own time zone. */
export const chinaTime = (iso: string | undefined) => (iso ? CHINA_TIME.format(new Date(iso)) : '');

export const MODE_NAMES: Record<string, string> = { live: '正式', sandbox: '沙箱', off: '关闭' };
export const CHANNEL_NAMES: Record<string, string> = { 'wechat-oa': '微信公众号', 'wechat-mp': '微信小程序', weibo: '微博', webhook: 'Webhook' };

/** Each channel's write-only credentials, by the API's name, with what an admin calls them. */
export const SECRET_FIELDS: Record<string, { name: string; label: string }[]> = {
  'wechat-oa': [
    { name: 'secret', label: 'AppSecret' },
    { name: 'token', label: '令牌 (Token)' },
    { name: 'aesKey', label: '消息加解密密钥 (EncodingAESKey)' },
  ],
  'wechat-mp': [{ name: 'secret', label: 'AppSecret' }],
  weibo: [{ name: 'accessToken', label: '访问令牌 (Access Token)' }],
  webhook: [{ name: 'secret', label: '签名密钥' }],
};

/** What `live` still needs, said in Chinese (the API names `appId`, `secrets.secret`…). */
export function credentialName(channel: string, path: string): string {
  const secret = path.startsWith('secrets.') ? SECRET_FIELDS[channel]?.find((f) => f.name === path.slice(8)) : undefined;
  if (secret) return secret.label;
  return ({ appId: 'AppID', templateId: '模板 ID', mapping: '模板字段映射', serverIp: '服务器 IP', urls: '推送地址' } as Record<string, string>)[path] ?? path;
}

/** Consecutive years as ranges: [2004…2026, 2028] → "2004–2026 年、2028 年". */
export function yearRanges(years: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < years.length; ) {
    let j = i;
    while (j + 1 < years.length && years[j + 1] === years[j]! + 1) j += 1;
    parts.push(i === j ? `${years[i]} 年` : `${years[i]}–${years[j]} 年`);
    i = j + 1;
  }
  return parts.join('、');
}
