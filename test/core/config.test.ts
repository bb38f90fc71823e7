import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUri } from '../../core/config.ts';

describe('loadConfig', () => {
  it('defaults to the embedded FerretDB on 127.0.0.1:27117 with data in ./data/ferretdb', () => {
    const config = loadConfig({}, '/srv/gongkai');
    expect(config.database).toEqual({
      kind: 'embedded',
      uri: 'mongodb://127.0.0.1:27117/',
      dbName: 'gongkai',
      port: 27117,
      dataDir: path.resolve('/srv/gongkai/data/ferretdb'),
    });
    expect(config.http).toEqual({
      host: '127.0.0.1',
      port: 3000,
      bodyLimit: '1mb',
      publicBaseUrl: 'http://127.0.0.1:3000',
      publicRateLimit: 600,
      trustProxy: false,
      corsOrigins: [],
    });
    expect(config.agencyRateLimit).toBe(600);
    expect(config.logLevel).toBe('info');
  });

  it('uses MONGODB_URI and takes the database name from its path', () => {
    const config = loadConfig({ MONGODB_URI: 'mongodb://db1,db2/prod?replicaSet=rs0', PORT: '8080' });
    expect(config.database).toEqual({ kind: 'external', uri: 'mongodb://db1,db2/prod?replicaSet=rs0', dbName: 'prod' });
    expect(config.http.port).toBe(8080);
  });

  it('keeps the read model in SQLite, one file per database beside the embedded data, unless told otherwise', () => {
    expect(loadConfig({}, '/srv/gongkai').readModel).toEqual({ kind: 'sqlite', file: '/srv/gongkai/data/ferretdb/read-model-gongkai.sqlite' });
    expect(loadConfig({ MONGODB_URI: 'mongodb://db1/prod' }, '/srv/gongkai').readModel).toEqual({ kind: 'sqlite', file: '/srv/gongkai/data/read-model-prod.sqlite' });
    expect(loadConfig({ READ_MODEL_FILE: 'rm/x.sqlite' }, '/srv/gongkai').readModel).toEqual({ kind: 'sqlite', file: '/srv/gongkai/rm/x.sqlite' });
    expect(loadConfig({ READ_MODEL: 'mongodb' }).readModel).toEqual({ kind: 'mongodb' });
    expect(() => loadConfig({ READ_MODEL: 'postgres' })).toThrow(/^READ_MODEL must be sqlite \(one machine\) or mongodb/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ MONGODB_URI: '', PORT: '' }).database.kind).toBe('embedded');
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '3.5'],
    ['LOG_LEVEL', 'loud'],
    ['MONGODB_URI', 'postgres://x'],
    ['BODY_LIMIT', 'lots'],
    ['JOBS_POLL_MS', '-1'],
    ['MONGODB_DB', '公开'],
    ['PUBLIC_BASE_URL', 'gongkai.gov.cn'],
    ['PUBLIC_RATE_LIMIT', '0'],
    ['TRUST_PROXY', 'yes'],
    ['WORKER_JOBS', 'fanout,mail'],
    ['WORKER_JOBS', ' , '],
  ])('rejects %s=%s with a message naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name} `));
  });

  it('runs every job group unless WORKER_JOBS names some', () => {
    expect(loadConfig({}).jobs.groups).toEqual(['fanout', 'callbacks', 'opinion']);
    expect(loadConfig({ WORKER_JOBS: ' fanout, fanout ,callbacks' }).jobs.groups).toEqual(['fanout', 'callbacks']);
  });

  it('never echoes a bad value, which may be a credential', () => {
    const bad = 'mongodb//admin:hunter2@db';
    expect(() => loadConfig({ MONGODB_URI: bad })).toThrow(/^MONGODB_URI must be/);
    try {
      loadConfig({ MONGODB_URI: bad });
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
    }
  });

  it('is frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config.http)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('redactUri', () => {
  it('hides the password but keeps the user and hosts', () => {
    expect(redactUri('mongodb://app:s3cret@db1:27017,db2/gongkai')).toBe('mongodb://app:***@db1:27017,db2/gongkai');
    expect(redactUri('mongodb://db1/gongkai')).toBe('mongodb://db1/gongkai');
  });
});

describe('channel configuration', () => {
  const OA = { WECHAT_OA_APPID: 'wx1234567890', WECHAT_OA_SECRET: 'secret-12345', WECHAT_OA_TEMPLATE_ID: 'tpl-1234', WECHAT_OA_TEMPLATE_MAP: '{"thing10":"title","time5":"date"}', WECHAT_OA_TOKEN: 'oatoken123' };

  it('on a fresh machine (nothing configured, not production) runs every channel in sandbox mode, saying why', () => {
    const { channels } = loadConfig({});
    expect(channels.modes).toEqual({ 'wechat-oa': 'sandbox', 'wechat-mp': 'sandbox', weibo: 'sandbox', webhook: 'sandbox' });
    expect(channels.modeReasons['wechat-oa']).toMatch(/^nothing configured: the local sandbox \(set WECHAT_OA_MODE to choose\)$/);
    expect(channels.wechatOa).toBeUndefined();
    expect(channels.weiboToken).toBeUndefined();
    expect(channels.sandbox).toEqual({ forced: false, port: 3100 });
  });

  it('uses the credentials only in live mode, and sandbox mode ignores them', () => {
    const live = loadConfig({ ...OA, WECHAT_OA_MODE: 'live' }).channels;
    expect(live.modes['wechat-oa']).toBe('live');
    expect(live.wechatOa).toEqual({ appId: 'wx1234567890', secret: 'secret-12345', templateId: 'tpl-1234', mapping: { thing10: 'title', time5: 'date' } });
    expect(live.oaCallback).toEqual({ token: 'oatoken123', random: false });
    const sandbox = loadConfig({ ...OA, WECHAT_OA_MODE: 'sandbox' }).channels;
    expect(sandbox.wechatOa).toBeUndefined();
    expect(sandbox.oaCallback).toEqual({ token: 'oatoken123', random: false });
    const off = loadConfig({ ...OA, WECHAT_OA_MODE: 'off' }).channels;
    expect(off.oaCallback).toBeUndefined();
    expect(() => loadConfig({ ...OA, WECHAT_OA_MODE: 'live', GONGKAI_SANDBOX: '1' })).toThrow(/^WECHAT_OA_MODE=live contradicts GONGKAI_SANDBOX=1$/);
    expect(loadConfig({ ...OA, GONGKAI_SANDBOX: '1' }).channels.modes['wechat-oa']).toBe('sandbox');
  });

  it('refuses live with missing credentials in one line naming every missing variable, never a value', () => {
    expect(() => loadConfig({ WECHAT_OA_MODE: 'live', WECHAT_OA_APPID: 'wx1234567890', WECHAT_OA_SECRET: 'secret-12345' })).toThrow(
      /^WECHAT_OA_MODE=live needs WECHAT_OA_TEMPLATE_ID, WECHAT_OA_TEMPLATE_MAP, WECHAT_OA_TOKEN$/,
    );
    // The token is required for a live OA: there is no default any more.
    const { WECHAT_OA_TOKEN: _token, ...noToken } = OA;
    expect(() => loadConfig({ ...noToken, WECHAT_OA_MODE: 'live' })).toThrow(/^WECHAT_OA_MODE=live needs WECHAT_OA_TOKEN$/);
    expect(() => loadConfig({ WECHAT_MP_MODE: 'live' })).toThrow(/^WECHAT_MP_MODE=live needs WECHAT_MP_APPID, WECHAT_MP_SECRET, WECHAT_MP_TEMPLATE_ID, WECHAT_MP_TEMPLATE_MAP$/);
    expect(() => loadConfig({ WEIBO_MODE: 'live' })).toThrow(/^WEIBO_MODE=live needs WEIBO_ACCESS_TOKEN, WEIBO_SERVER_IP$/);
    expect(() => loadConfig({ WEIBO_MODE: 'live', WEIBO_ACCESS_TOKEN: 'token-12345678', WEIBO_SERVER_IP: 'my-server' })).toThrow(/^WEIBO_SERVER_IP must be an IPv4 or IPv6 address/);
    expect(loadConfig({ WEIBO_MODE: 'live', WEIBO_ACCESS_TOKEN: 'token-12345678', WEIBO_SERVER_IP: '203.0.113.10' }).channels.weiboServerIp).toBe('203.0.113.10');
    expect(loadConfig({}).channels.weiboServerIp).toBe('127.0.0.1');
    expect(() => loadConfig({ WEBHOOK_MODE: 'live', WEBHOOK_URLS: 'https://ggzy.example.gov.cn/hook' })).toThrow(/^WEBHOOK_MODE=live needs WEBHOOK_SECRET$/);
    try {
      loadConfig({ ...OA, WECHAT_OA_TOKEN: undefined, WECHAT_OA_MODE: 'live' });
    } catch (error) {
      expect(String(error)).not.toContain('secret-12345');
    }
  });

  it('asks for an explicit mode when a channel has any variable set, or in production', () => {
    expect(() => loadConfig({ WECHAT_MP_APPID: 'wx1234567890' })).toThrow(/^WECHAT_MP_MODE must be set to live, sandbox or off, since WECHAT_MP_APPID is set$/);
    expect(() => loadConfig({ WEIBO_ACCESS_TOKEN: 'token-12345678' })).toThrow(/^WEIBO_MODE must be set/);
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://ggzy.example.gov.cn/hook' })).toThrow(/^WEBHOOK_MODE must be set/);
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: '0'.repeat(64) })).toThrow(/^WECHAT_OA_MODE must be set to live, sandbox or off \(NODE_ENV=production has no default\)$/);
    const explicit = { WECHAT_OA_MODE: 'off', WECHAT_MP_MODE: 'off', WEIBO_MODE: 'sandbox', WEBHOOK_MODE: 'off' };
    const production = loadConfig({ NODE_ENV: 'production', DATA_ENCRYPTION_KEY: '0'.repeat(64), ...explicit }).channels;
    expect(production).toMatchObject({ production: true, modes: { 'wechat-oa': 'off', weibo: 'sandbox' } });
    expect(() => loadConfig({ WEBHOOK_MODE: 'maybe' })).toThrow(/^WEBHOOK_MODE must be live, sandbox or off$/);
    expect(() => loadConfig({ WEBHOOK_MODE: 'live', WEBHOOK_URLS: 'ftp://x', WEBHOOK_SECRET: 'x'.repeat(16) })).toThrow(/^WEBHOOK_URLS /);
    expect(() => loadConfig({ WECHAT_OA_MASS_TAG: '2' })).toThrow(/^WECHAT_OA_MASS_TAG /);
  });

  it('checks a template mapping against the keyword rules when it is configured, naming each bad key', () => {
    const bad = (map: unknown) => () => loadConfig({ ...OA, WECHAT_OA_MODE: 'live', WECHAT_OA_TEMPLATE_MAP: typeof map === 'string' ? map : JSON.stringify(map) });
    expect(bad('not json')).toThrow(/^WECHAT_OA_TEMPLATE_MAP must be a JSON object/);
    expect(bad({ time5: 'title' })).toThrow(/^WECHAT_OA_TEMPLATE_MAP is not valid: time5: a time key cannot hold title \(it takes date\)$/);
    expect(bad({ character_string21: 'title', phrase3: 'agency' })).toThrow(/character_string21: a character_string key cannot hold title.*; phrase3: a phrase key cannot hold agency/);
    expect(bad({ thing1: 'applicant' })).toThrow(/thing1: unknown message part "applicant"/);
    expect(bad({ amount2: 'title' })).toThrow(/amount2: gongkai cannot fill a amount key/);
    expect(bad({ title: 'title' })).toThrow(/title: not a template key/);
    expect(bad({})).toThrow(/maps no key/);
  });

  it('gives a sandbox OA without WECHAT_OA_TOKEN a random token of its own, never a default', () => {
    const a = loadConfig({}).channels.oaCallback!;
    const b = loadConfig({}).channels.oaCallback!;
    expect(a.random).toBe(true);
    expect(a.token).toMatch(/^[0-9a-f]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.token).not.toBe('sandboxtoken');
  });
});
