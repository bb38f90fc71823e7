/**
 * Where the mini-program finds the gongkai API. The domain must also be listed under
 * 开发管理 → 服务器域名 → request 合法域名 in the mini-program's admin console.
 */
export const config = Object.freeze({
  baseUrl: 'https://gongkai.example.gov.cn',
  /** wx.request timeout, milliseconds. */
  timeoutMs: 15000,
  /** Disclosures per page in lists. */
  pageSize: 20,
});
