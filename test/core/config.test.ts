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
  it('sends every channel to the sandbox without credentials', () => {
    const { channels } = loadConfig({});
    expect(channels.wechatOa).toBeUndefined();
    expect(channels.weiboToken).toBeUndefined();
    expect(channels.sandbox).toEqual({ forced: false, port: 3100 });
  });

  it('uses real credentials when all three of an app are set, unless GONGKAI_SANDBOX=1', () => {
    const env = { WECHAT_OA_APPID: 'wx1234567890', WECHAT_OA_SECRET: 'secret-12345', WECHAT_OA_TEMPLATE_ID: 'tpl-1234' };
    expect(loadConfig(env).channels.wechatOa).toEqual({ appId: 'wx1234567890', secret: 'secret-12345', templateId: 'tpl-1234' });
    expect(loadConfig({ ...env, GONGKAI_SANDBOX: '1' }).channels.wechatOa).toBeUndefined();
  });

  it('refuses half-configured apps and webhooks without a secret, naming the variables', () => {
    expect(() => loadConfig({ WECHAT_MP_APPID: 'wx1234567890' })).toThrow(/^WECHAT_MP_APPID, WECHAT_MP_SECRET and WECHAT_MP_TEMPLATE_ID must be set together$/);
    expect(() => loadConfig({ WEBHOOK_URLS: 'https://ggzy.example.gov.cn/hook' })).toThrow(/^WEBHOOK_SECRET must be set/);
    expect(() => loadConfig({ WEBHOOK_URLS: 'ftp://x' })).toThrow(/^WEBHOOK_URLS /);
    expect(() => loadConfig({ WECHAT_OA_MASS_TAG: '2' })).toThrow(/^WECHAT_OA_MASS_TAG /);
  });
});
