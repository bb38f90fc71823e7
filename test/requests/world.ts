import request from 'supertest';
import { afterAll, expect } from 'vitest';
import { createApp } from '../../api/app.ts';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { createRequestNoticeSender } from '../../channels/wechat/request-notice.ts';
import { SANDBOX_WEBHOOK_SECRET } from '../../channels/sandbox/start-local.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { loadConfig } from '../../core/config.ts';
import { createSessions } from '../../core/residents/session.ts';
import { createServices } from '../../core/services.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { connectTestDb } from '../helpers/db.ts';
import { sandboxEnv } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { BASE_URL } from '../helpers/registry.ts';

/** 北京市东城区 居民身份证 numbers with valid check digits, for requesters. */
export const ID_A = '11010519491231002X';
export const ID_B = '110101199003071234'.slice(0, 17) + checkDigit('11010119900307123');

export function checkDigit(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  return '10X98765432'[weights.reduce((s, w, i) => s + w * Number(first17[i]), 0) % 11]!;
}

/** The whole app with mini-program residents on the sandbox, a settable clock and captured logs (info). */
export async function requestWorld(label: string, start = '2026-09-30T10:00:00+08:00') {
  const db = await connectTestDb(label);
  const sandbox = await startSandbox({ webhookSecret: SANDBOX_WEBHOOK_SECRET });
  afterAll(() => sandbox.close());
  const config = loadConfig(sandboxEnv(sandbox.url));
  const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db) });
  const clock = { now: new Date(start) };
  const { logger, lines } = captureLogs('info');
  const readModel = testReadModel();
  sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
  const requestNotices = { ...wired.mp!, send: createRequestNoticeSender({ client: wired.mpClient!, templateId: wired.mp!.templateId }) };
  const services = createServices(db, { readModel, logger, now: () => clock.now, dataKeys: TEST_DATA_KEYS, requestNotices });
  const koa = createApp({
    logger,
    db,
    queue: { processing: true, takesJobs: true },
    services,
    residents: { db, sessions: createSessions('test-session-secret-0123456789abcdef'), wechat: wired.mpClient!, template: { templateId: wired.mp!.templateId, kind: 'one-time' } },
    bodyLimit: '1mb',
    publicBaseUrl: BASE_URL,
    publicRateLimit: 100_000,
    trustProxy: true,
  });
  const app = koa.callback();
  const http = () => request(app);
  let codes = 0;
  async function login(openid: string): Promise<{ Authorization: string }> {
    const code = `code-${label}-${++codes}`;
    sandbox.wechat.issueCode(SANDBOX_APPS.mp.appId, code, openid);
    const res = await http().post('/api/v1/mp/login').send({ code });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { Authorization: `Bearer ${res.body.token}` };
  }
  const at = (iso: string) => {
    clock.now = new Date(iso);
  };
  return { db, services, readModel, clock, at, logs: lines, http, login, koa, sandbox };
}

/** A complete request body of a natural person. */
export function requestBody(agency: string, overrides: Record<string, unknown> = {}) {
  return {
    agency,
    requester: { type: 'natural', name: '张晓明', idType: 'resident-id', idNumber: ID_A, contact: { phone: '13800138000', email: 'zhangxm@example.cn', address: '北京市东城区东四北大街1号' } },
    description: '2026年海淀区公共租赁住房第三批分配的摇号过程记录（文号海住建〔2026〕12号）',
    delivery: 'email',
    ...overrides,
  };
}
