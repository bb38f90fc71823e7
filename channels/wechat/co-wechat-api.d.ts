/** The part of co-wechat-api@3.11.0 the WeChat client uses (the package ships no types). */
declare module 'co-wechat-api' {
  interface AccessToken {
    accessToken: string;
    /** Epoch milliseconds. */
    expireTime: number;
  }

  interface RequestOptions {
    method?: string;
    data?: string;
    dataType?: string;
    headers?: Record<string, string>;
    /** httpx connect and read timeout, in ms. */
    timeout?: number;
  }

  /** json-bigint parses ids above 2^53 into BigNumber objects: apply String() before use. */
  type Int64 = number | { toString(): string };

  class API {
    constructor(
      appid: string,
      appsecret: string,
      getToken?: () => Promise<AccessToken | null>,
      saveToken?: (token: AccessToken | null) => Promise<void>,
      tokenFromCustom?: boolean,
    );
    prefix: string;
    snsPrefix: string;
    wxaPrefix: string;
    mpPrefix: string;
    setOpts(opts: RequestOptions): void;
    request(url: string, opts?: RequestOptions, retry?: number): Promise<unknown>;
    ensureAccessToken(): Promise<AccessToken>;
    code2Session(jsCode: string): Promise<{ openid: string; session_key: string; unionid?: string }>;
    sendSubscribeMessage(
      openid: string,
      templateId: string,
      page: string | undefined,
      data: Record<string, { value: string }>,
    ): Promise<{ errcode: number; errmsg: string; msgid: Int64 }>;
    /** QR_LIMIT_STR_SCENE for a string, QR_LIMIT_SCENE for a number (1–100000). */
    createLimitQRCode(sceneId: string | number): Promise<{ ticket: string; url: string }>;
    createTags(name: string): Promise<{ tag: { id: number; name: string } }>;
    getTags(): Promise<{ tags: { id: number; name: string; count: number }[] }>;
    batchTagging(openIdList: string[], tagId: number): Promise<{ errcode: number; errmsg: string }>;
    getUsersFromTag(tagId: number, nextOpenId?: string): Promise<{ count: number; data?: { openid: string[] }; next_openid: string }>;
  }

  export = API;
}
