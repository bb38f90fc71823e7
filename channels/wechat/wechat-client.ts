import { templateKeys } from './template-mapping.ts';
import axios, { isAxiosError } from 'axios';
import API from 'co-wechat-api';
import type { TokenStore } from '../types.ts';
import { TOKEN_ERRORS, WechatCallError } from './errors.ts';

export const WECHAT_API_BASE = 'https://api.weixin.qq.com';

export interface WechatClientOptions {
  appId: string;
  secret: string;
  /** `https://api.weixin.qq.com` in production, the sandbox's `http://127.0.0.1:PORT` in tests. */
  baseUrl?: string;
  tokenStore: TokenStore;
  /** Per HTTP call; default 10 s. */
  timeoutMs?: number;
}

type TemplateData = Record<string, { value: string }>;

// Ids above 2^53 lose digits in JSON.parse: quote them before parsing (ids only, never other numbers).
const INT64_FIELDS = /"(msgid|msg_id|msg_data_id|MsgId|MsgID)"\s*:\s*(-?\d+)/g;
export const parseWechatJson = (text: string): Record<string, unknown> => JSON.parse(text.replace(INT64_FIELDS, '"$1":"$2"'));

/** Error messages must not carry an access token (co-wechat-api puts the URL in some). */
export const redactToken = (message: string) => message.replace(/access_token=[^&\s]*/g, 'access_token=***');

/** co-wechat-api's thrown errors and transport failures as WechatCallError. */
function fromLibrary(error: unknown): WechatCallError {
  if (error instanceof WechatCallError) return error;
  const e = error as { name?: string; code?: unknown; message?: string };
  const message = String(e?.message ?? error);
  if (e?.name === 'WeChatAPIError' && typeof e.code === 'number') return new WechatCallError(String(e.code), message);
  const status = /status code: (\d+)/.exec(message);
  if (status) return new WechatCallError(`http-${status[1]}`, message);
  if (/timeout/i.test(String(e?.name)) || e?.code === 'ETIMEDOUT') return new WechatCallError('timeout', message);
  if (typeof e?.code === 'string') return new WechatCallError('network', `${e.code}: ${message}`);
  return new WechatCallError('bad-response', message);
}

/**
 * One WeChat app (an OA or an MP). Access tokens come only from the shared TokenStore, which fetches
 * them with `POST /cgi-bin/stable_token` in normal mode: every process gets the same token. Never
 * `/cgi-bin/token` in a shared deployment: each call there issues a new token and revokes the
 * others' after 5 minutes, so several processes would keep revoking each other (wechat.md §1, §6.1).
 * co-wechat-api is built with `tokenFromCustom` and a token we hand it, so it never fetches a token
 * itself and skips its own 3× retry; on 40001/42001 this client drops the token from the store and
 * retries exactly once.
 */
export class WechatClient {
  readonly appId: string;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: WechatClientOptions) {
    this.appId = options.appId;
    this.base = (options.baseUrl ?? WECHAT_API_BASE).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POST `body` as JSON to a token-authenticated path; the whole answer, error bodies included (as WechatCallError.body). */
  call<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return this.withToken((token) => this.http<T>(path, body, token));
  }

  /**
   * The account's templates and the keys each declares in its content (`{{thing10.DATA}}`):
   * `get_all_private_template` for an official account, `newtmpl/gettemplate` for a mini-program.
   */
  async listTemplates(kind: 'oa' | 'mp'): Promise<{ id: string; title: string; keys: string[]; kind?: 'one-time' | 'long-term' }[]> {
    const path = kind === 'oa' ? '/cgi-bin/template/get_all_private_template' : '/wxaapi/newtmpl/gettemplate';
    const answer = await this.withToken((token) => this.httpGet<Record<string, unknown>>(path, token));
    const list = (kind === 'oa' ? answer.template_list : answer.data) as Record<string, unknown>[] | undefined;
    return (list ?? []).map((t) => ({
      id: String(kind === 'oa' ? t.template_id : t.priTmplId),
      title: String(t.title ?? ''),
      keys: templateKeys(String(t.content ?? '')),
      // A mini-program template's type: 2 one-time (一次性订阅), 3 long-term (长期订阅).
      ...(kind === 'mp' ? { kind: Number(t.type) === 3 ? ('long-term' as const) : ('one-time' as const) } : {}),
    }));
  }

  /** Template message (wechat.md §2.1) with `client_msg_id`, which co-wechat-api's sendTemplate cannot send. */
  async sendTemplate(body: { touser: string; template_id: string; client_msg_id?: string; data: TemplateData; [k: string]: unknown }) {
    const answer = await this.call<{ msgid: string }>('/cgi-bin/message/template/send', body);
    return { msgid: String(answer.msgid) };
  }

  /** Mass send by tag or to all. A 45065 (clientmsgid seen within 24 h) is the earlier job: its msg_id is returned. */
  async massSendAll(body: Record<string, unknown>): Promise<{ msgId: string; duplicate: boolean }> {
    try {
      const answer = await this.call<{ msg_id: string }>('/cgi-bin/message/mass/sendall', body);
      return { msgId: String(answer.msg_id), duplicate: false };
    } catch (error) {
      if (error instanceof WechatCallError && error.code === '45065' && error.body?.msg_id !== undefined) {
        return { msgId: String(error.body.msg_id), duplicate: true };
      }
      throw error;
    }
  }

  /** MP subscribe message (wechat.md §4.2) through co-wechat-api. */
  async sendSubscribeMessage(openid: string, templateId: string, page: string | undefined, data: TemplateData) {
    const answer = await this.withToken((token) => this.library(token).sendSubscribeMessage(openid, templateId, page, data));
    return { msgid: String(answer.msgid) };
  }

  /** MP login: the user's openid (and unionid when bound). Never pass `sessionKey` to the client. */
  async code2Session(code: string): Promise<{ openid: string; sessionKey: string; unionid?: string }> {
    try {
      const answer = await this.library().code2Session(code);
      return { openid: answer.openid, sessionKey: answer.session_key, ...(answer.unionid ? { unionid: answer.unionid } : {}) };
    } catch (error) {
      throw fromLibrary(error);
    }
  }

  createTag(name: string) {
    return this.withToken((token) => this.library(token).createTags(name)).then((a) => a.tag);
  }

  getTags() {
    return this.withToken((token) => this.library(token).getTags()).then((a) => a.tags);
  }

  batchTagging(openids: string[], tagId: number): Promise<void> {
    return this.withToken((token) => this.library(token).batchTagging(openids, tagId)).then(() => undefined);
  }

  getUsersFromTag(tagId: number, nextOpenId = '') {
    return this.withToken((token) => this.library(token).getUsersFromTag(tagId, nextOpenId));
  }

  /**
   * A permanent string-scene QR code (QR_LIMIT_STR_SCENE, at most 100,000 per account) through
   * co-wechat-api's createLimitQRCode: `url` is what the code encodes (render it yourself);
   * `ticket` is its id at WeChat. The access token the library puts in its error messages
   * (`url: …?access_token=…`) is cut out, so the error can be logged.
   */
  async createLimitQrCode(scene: string): Promise<{ ticket: string; url: string }> {
    let answer: unknown;
    try {
      answer = await this.withToken((token) => this.library(token).createLimitQRCode(scene));
    } catch (error) {
      const e = error as WechatCallError;
      throw new WechatCallError(e.code, `qrcode/create: ${redactToken(e.message)}`, e.stage, e.body);
    }
    // Not JSON (another content type), co-wechat-api hands back the raw body unchecked.
    const { ticket, url } = (answer ?? {}) as { ticket?: unknown; url?: unknown };
    if (typeof ticket !== 'string' || !ticket || typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url)) {
      throw new WechatCallError('bad-response', 'qrcode/create: no ticket and url in the answer');
    }
    return { ticket, url };
  }

  /**
   * 小程序码, unlimited kind (`POST /wxa/getwxacodeunlimit`): `scene` at most 32 visible
   * characters, `page` a published page without a leading `/` (else 41030, unless `check_path`
   * is false). WeChat answers the image itself (image/jpeg, or png) or JSON `{errcode, errmsg}`;
   * errors carry the path, never the token.
   */
  async getUnlimitedWxaCode(input: { scene: string; page: string; checkPath?: boolean; envVersion?: 'release' | 'trial' | 'develop'; width?: number }): Promise<{ contentType: string; bytes: Buffer }> {
    const path = '/wxa/getwxacodeunlimit';
    const body = {
      scene: input.scene,
      page: input.page,
      ...(input.checkPath !== undefined ? { check_path: input.checkPath } : {}),
      ...(input.envVersion ? { env_version: input.envVersion } : {}),
      ...(input.width ? { width: input.width } : {}),
    };
    return this.withToken(async (token) => {
      let response;
      try {
        response = await axios.request<ArrayBuffer>({
          method: 'post',
          url: `${this.base}${path}`,
          data: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' },
          params: { access_token: token },
          timeout: this.timeoutMs,
          responseType: 'arraybuffer',
          validateStatus: () => true,
        });
      } catch (error) {
        const code = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') ? 'timeout' : 'network';
        throw new WechatCallError(code, `${path}: ${redactToken((error as Error).message)}`);
      }
      if (response.status !== 200) throw new WechatCallError(`http-${response.status}`, `${path}: HTTP ${response.status}`);
      const bytes = Buffer.from(response.data);
      const contentType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (contentType === 'image/png' || contentType === 'image/jpeg') {
        if (!bytes.length) throw new WechatCallError('bad-response', `${path}: empty image`);
        return { contentType, bytes };
      }
      let answer: Record<string, unknown>;
      try {
        answer = parseWechatJson(bytes.toString('utf8'));
      } catch {
        throw new WechatCallError('bad-response', `${path}: neither an image nor JSON (${contentType || 'no content type'})`);
      }
      if (answer.errcode) throw new WechatCallError(String(answer.errcode), `${path}: ${String(answer.errmsg)}`, 'call', answer);
      throw new WechatCallError('bad-response', `${path}: JSON without an image`);
    });
  }

  /** The store's fetch: stable_token in normal mode (same token for every caller while it is valid). */
  async fetchStableToken(): Promise<{ accessToken: string; expiresInSeconds: number }> {
    try {
      const answer = await this.http<{ access_token: string; expires_in: number }>('/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: this.appId,
        secret: this.options.secret,
        force_refresh: false,
      });
      return { accessToken: answer.access_token, expiresInSeconds: answer.expires_in };
    } catch (error) {
      const e = error as WechatCallError;
      throw new WechatCallError(e.code, `stable_token: ${e.message}`, 'token', e.body);
    }
  }

  private async token(): Promise<string> {
    try {
      return await this.options.tokenStore.get(this.appId, () => this.fetchStableToken());
    } catch (error) {
      if (error instanceof WechatCallError) throw error;
      throw new WechatCallError('token-unavailable', `token store: ${(error as Error).message}`, 'token');
    }
  }

  private async withToken<T>(send: (token: string) => Promise<T>): Promise<T> {
    const token = await this.token();
    try {
      return await send(token);
    } catch (first) {
      const error = fromLibrary(first);
      if (!TOKEN_ERRORS.has(error.code)) throw error;
      await this.options.tokenStore.invalidate(this.appId, token);
      const fresh = await this.token();
      try {
        return await send(fresh);
      } catch (second) {
        throw fromLibrary(second);
      }
    }
  }

  /** A co-wechat-api instance for one call, holding `token`, pointed at our base URL. */
  private library(token?: string): API {
    const api = new API(
      this.appId,
      this.options.secret,
      async () => (token ? { accessToken: token, expireTime: Date.now() + 3_600_000 } : null),
      async () => undefined,
      true,
    );
    api.prefix = `${this.base}/cgi-bin/`;
    api.snsPrefix = `${this.base}/sns/`;
    api.wxaPrefix = `${this.base}/wxa/`;
    if (this.base !== WECHAT_API_BASE) api.mpPrefix = `${this.base}/cgi-bin/`;
    api.setOpts({ timeout: this.timeoutMs });
    return api;
  }

  private httpGet<T>(path: string, token: string): Promise<T> {
    return this.http<T>(path, undefined, token, 'get');
  }

  /** One call: POSTs `body` as JSON, or GETs when `method` says so; WeChat's errcode becomes a WechatCallError. */
  private async http<T>(path: string, body: unknown, token?: string, method: 'get' | 'post' = 'post'): Promise<T> {
    let response;
    try {
      response = await axios.request<string>({
        method,
        url: `${this.base}${path}`,
        ...(method === 'post' ? { data: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
        params: token ? { access_token: token } : undefined,
        timeout: this.timeoutMs,
        responseType: 'text',
        transformResponse: (raw: string) => raw,
        validateStatus: () => true,
      });
    } catch (error) {
      const code = isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') ? 'timeout' : 'network';
      throw new WechatCallError(code, `${path}: ${(error as Error).message}`);
    }
    if (response.status !== 200) throw new WechatCallError(`http-${response.status}`, `${path}: HTTP ${response.status}`);
    let answer: Record<string, unknown>;
    try {
      answer = parseWechatJson(response.data);
    } catch {
      throw new WechatCallError('bad-response', `${path}: not JSON: ${String(response.data).slice(0, 200)}`);
    }
    if (answer.errcode) throw new WechatCallError(String(answer.errcode), `${path}: ${String(answer.errmsg)}`, 'call', answer);
    return answer as T;
  }
}
