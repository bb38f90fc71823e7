import { WechatSandboxError, chinaDay, setBounded } from './reply.ts';
import { TokenBook, type TokenBookSnapshot } from './tokens.ts';

export interface SandboxStateSnapshot {
  apps: Map<string, AppState>;
  codes: SandboxState['codes'];
  usedCodes: Map<string, number>;
  tokens: TokenBookSnapshot;
  nextId: bigint;
}

export interface SandboxApp {
  appid: string;
  secret: string;
  /** Official Account (公众号) or Mini Program (小程序). */
  kind: 'oa' | 'mp';
}

export interface SandboxUser {
  following: boolean;
  tags: Set<number>;
  unionid?: string;
}

export interface MassJob {
  msgId: string;
  filter: { is_to_all: boolean; tag_id?: number };
  msgtype: string;
  clientmsgid?: string;
  /** Users addressed, and those left after the 4-a-month cap (FilterCount = SentCount here). */
  totalCount: number;
  filterCount: number;
  at: string;
}

/** Everything one app owns in the sandbox. */
export interface AppState {
  app: SandboxApp;
  /** OA followers, or MP users known from code2Session / addSubscriber. */
  users: Map<string, SandboxUser>;
  tags: Map<number, { name: string }>;
  nextTagId: number;
  /** template id → required data keys (undefined: any). */
  templates: Map<string, readonly string[] | undefined>;
  /** template id → its title in the template lists. */
  templateTitles: Map<string, string>;
  /** MP template id → one-time (一次性, the default) or long-term (长期): only a long-term template takes long-term grants. */
  templateKinds: Map<string, TemplateKind>;
  /** OA follower → what TEMPLATESENDJOBFINISH reports for their template messages (unset: success). */
  templateOutcomes: Map<string, TemplateOutcome>;
  /** The job-finish push of a template send that carried client_msg_id has `MsgID` 0 (reported; wechat.md §2.1). */
  zeroMsgIdWithClientMsgId: boolean;
  /** `${openid}\t${templateId}` → subscription credits (MP subscribe messages). */
  consents: Map<string, { oneTime: number; longTerm: boolean }>;
  quotas: Map<string, number>;
  /** `${day}\t${endpoint}` → accepted calls. */
  usage: Map<string, number>;
  fetches: { token: number; stableToken: number };
  /** 开发者 IP 白名单: when set, token and stable_token from any other address are 40164. */
  ipWhitelist?: readonly string[];
  /** template send `${openid}\t${client_msg_id}` → msgid, for 10 minutes. */
  sentTemplates: Map<string, { msgid: bigint; at: number }>;
  /** mass send clientmsgid → msg_id, for 24 hours. */
  massClientIds: Map<string, { msgId: bigint; at: number }>;
  /** `${month}\t${openid}` → mass messages received; `${month}\tall` → is_to_all sends. */
  massCounts: Map<string, number>;
  massJobs: MassJob[];
  /** QR code ticket → its scene (qrcode/create). */
  qrTickets: Map<string, SandboxQrCode>;
  /** Permanent scene → its ticket: the same scene is answered with the same code. */
  permanentScenes: Map<string, string>;
  /** MP: the pages of the published version (getwxacodeunlimit checks `page` against them); unset: miniprogram/app.json's. */
  publishedPages?: readonly string[];
  /** 服务器配置: where scans of this OA's codes are pushed (see qrcode-routes.ts). */
  callback?: SandboxCallback;
}

export interface SandboxQrCode {
  scene: string;
  permanent: boolean;
  /** Epoch ms; permanent codes never expire. */
  expiresAt?: number;
  url: string;
}

export interface SandboxCallback {
  url: string;
  token: string;
  aesKey?: string;
  /** The OA's gh_ id, sent as ToUserName. */
  ghId?: string;
  /** 数据格式: XML (default) or JSON, which a mini-program's 消息推送 may choose. */
  format?: 'xml' | 'json';
}

export type TemplateKind = 'one-time' | 'long-term';
export type TemplateOutcome = 'success' | 'user-block' | 'system-failed';

/** One push the sandbox made to an app's callback, and the callback's answer (status 0: unreachable). */
export interface PushRecord {
  appid: string;
  event: string;
  openid: string;
  fields: Record<string, unknown>;
  status: number;
  body: string;
  at: string;
}

/** Daily quotas per endpoint (wechat.md §1, §2): an app's own `setQuota` overrides these. */
export const DEFAULT_QUOTAS: Record<string, number> = {
  '/cgi-bin/token': 2_000,
  '/cgi-bin/stable_token': 500_000,
  '/cgi-bin/message/template/send': 100_000,
  '/cgi-bin/message/mass/sendall': 100,
  '/cgi-bin/message/subscribe/send': 10_000_000,
  // Not documented; WeChat answers 45009 when an endpoint's daily limit is reached.
  '/cgi-bin/qrcode/create': 100_000,
};

export const DEFAULT_APPS: SandboxApp[] = [
  { appid: 'wx-sandbox-oa', secret: 'sandbox-oa-secret', kind: 'oa' },
  { appid: 'wx-sandbox-mp', secret: 'sandbox-mp-secret', kind: 'mp' },
];

const MAX_ENTRIES = 50_000;

function blankApp(app: SandboxApp): AppState {
  return {
    app,
    users: new Map(),
    tags: new Map(),
    nextTagId: 100,
    templates: new Map(),
    templateTitles: new Map(),
    templateKinds: new Map(),
    templateOutcomes: new Map(),
    zeroMsgIdWithClientMsgId: false,
    consents: new Map(),
    quotas: new Map(),
    usage: new Map(),
    fetches: { token: 0, stableToken: 0 },
    sentTemplates: new Map(),
    massClientIds: new Map(),
    massCounts: new Map(),
    massJobs: [],
    qrTickets: new Map(),
    permanentScenes: new Map(),
  };
}
const MAX_JOBS = 1_000;

/** The sandbox's memory: apps and their users, templates, consents, quotas, codes and tokens. */
export class SandboxState {
  readonly apps = new Map<string, AppState>();
  readonly codes = new Map<string, { appid: string; openid: string; unionid?: string; expiresAt: number }>();
  /** Codes already exchanged (code2Session), until they would have expired: a second use is 40163. */
  readonly usedCodes = new Map<string, number>();
  readonly tokens: TokenBook;
  /** `${appid}\t${openid}` of subscribe sends being processed now: another is 43108 (not persisted). */
  readonly inFlight = new Set<string>();
  /** Pushes made to callbacks, newest last (not persisted). */
  readonly pushLog: PushRecord[] = [];
  /** Pushes not answered yet. */
  readonly pendingPushes = new Set<Promise<unknown>>();
  // Ids above 2^53 (and unique across restarts), like WeChat's int64 msgids.
  private nextId = 2n ** 62n + BigInt(Date.now()) * 1000n;

  constructor(
    readonly now: () => number,
    tokenTtlSeconds: number,
  ) {
    this.tokens = new TokenBook(tokenTtlSeconds, now);
  }

  /** Followers, consents, templates, codes, tokens and ids: what a restart must not forget. */
  snapshot(): SandboxStateSnapshot {
    return { apps: this.apps, codes: this.codes, usedCodes: this.usedCodes, tokens: this.tokens.snapshot(), nextId: this.nextId };
  }

  restore(saved: SandboxStateSnapshot): void {
    for (const [appid, app] of saved.apps) {
      // The callback's address is the running gongkai's, told again at its start.
      const { callback: _stale, ...kept } = app;
      const current = this.apps.get(appid);
      // A file from before a field existed lacks it: a blank app's value stands in.
      if (current) Object.assign(current, kept);
      else this.apps.set(appid, Object.assign(blankApp(kept.app), kept));
    }
    for (const [k, v] of saved.codes) this.codes.set(k, v);
    for (const [k, v] of saved.usedCodes) this.usedCodes.set(k, v);
    this.tokens.restore(saved.tokens);
    if (saved.nextId > this.nextId) this.nextId = saved.nextId;
  }

  register(app: SandboxApp): AppState {
    const state = blankApp(app);
    this.apps.set(app.appid, state);
    return state;
  }


  /** The app, for control calls: unknown appids are a programming error. */
  app(appid: string): AppState {
    const state = this.apps.get(appid);
    if (!state) throw new Error(`wechat sandbox: unknown appid ${appid}`);
    return state;
  }

  /** The app the request's access_token belongs to, which must be of `kind` (else 48001). */
  appForToken(token: string | undefined, kind: SandboxApp['kind']): AppState {
    const state = this.apps.get(this.tokens.check(token));
    if (!state) throw new WechatSandboxError(40001, 'invalid credential, access_token is invalid or not latest');
    if (state.app.kind !== kind) throw new WechatSandboxError(48001, 'api unauthorized');
    return state;
  }

  id(): bigint {
    this.nextId += 1n;
    return this.nextId;
  }

  user(state: AppState, openid: string): SandboxUser {
    let user = state.users.get(openid);
    if (!user) {
      user = { following: true, tags: new Set() };
      setBounded(state.users, openid, user, MAX_ENTRIES);
    }
    return user;
  }

  tagId(state: AppState, nameOrId: string | number): number {
    if (typeof nameOrId === 'number') {
      if (!state.tags.has(nameOrId)) throw new Error(`wechat sandbox: unknown tag ${nameOrId}`);
      return nameOrId;
    }
    for (const [id, tag] of state.tags) if (tag.name === nameOrId) return id;
    const id = state.nextTagId++;
    state.tags.set(id, { name: nameOrId });
    return id;
  }

  /** Throws `errcode` (45009 unless said otherwise) when the endpoint's daily quota is used up. */
  checkQuota(state: AppState, endpoint: string, errcode = 45009): void {
    const limit = state.quotas.get(endpoint) ?? DEFAULT_QUOTAS[endpoint] ?? Infinity;
    if (this.usage(state, endpoint) >= limit) {
      throw new WechatSandboxError(errcode, errcode === 45009 ? 'reach max api daily quota limit' : 'out of quota');
    }
  }

  count(state: AppState, endpoint: string): void {
    const key = `${chinaDay(this.now())}\t${endpoint}`;
    setBounded(state.usage, key, (state.usage.get(key) ?? 0) + 1, 1_000);
  }

  usage(state: AppState, endpoint: string): number {
    return state.usage.get(`${chinaDay(this.now())}\t${endpoint}`) ?? 0;
  }

  remember<V>(map: Map<string, V>, key: string, value: V): void {
    setBounded(map, key, value, MAX_ENTRIES);
  }

  recordJob(state: AppState, job: MassJob): void {
    state.massJobs.push(job);
    if (state.massJobs.length > MAX_JOBS) state.massJobs.splice(0, state.massJobs.length - MAX_JOBS);
  }
}
