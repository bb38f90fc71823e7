import request from 'supertest';
import { afterAll } from 'vitest';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { checkTemplates } from '../../core/channel-accounts/check-templates.ts';
import { loadConfig } from '../../core/config.ts';
import { createServices } from '../../core/services.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { connectTestDb } from '../helpers/db.ts';
import { sandboxEnv } from '../helpers/fanout.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { agencyWithKey, testApp } from '../helpers/registry.ts';
import { SESSION_SECRET } from './staff-world.ts';

/**
 * staffWorld's two agencies and settable clock, plus what the admin pages need: the data key
 * that seals channel accounts' secrets, and `channels check` against the real sandbox over HTTP
 * (the official account's template matches its mapping; the mini-program's lacks `thing4`).
 */
export async function adminWorld(label: string, options: { publicBaseUrl?: string } = {}) {
  const db = await connectTestDb(label);
  const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
  const now = () => clock.now;
  const { logger, lines } = captureLogs();
  const sandbox = await startSandbox();
  afterAll(() => sandbox.close());
  sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4'], '公开信息发布提醒');
  sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3'], '公开提醒');
  const config = loadConfig(sandboxEnv(sandbox.url));
  const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db) });
  const services = createServices(db, { readModel: testReadModel(), logger, now, dataKeys: TEST_DATA_KEYS });
  const app = testApp(
    { logger, db, services },
    {
      trustProxy: true,
      press: { sessionSecret: SESSION_SECRET, now },
      rateLimitClock: () => clock.now.getTime(),
      channelsCheck: () => checkTemplates(wired),
      ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
    },
  );
  const http = () => request(app.callback());
  const haidianAdminKey = await agencyWithKey(db, 'bj-haidian-zjw', 'admin', '北京市海淀区住房和城乡建设委员会');
  const haidianKey = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
  const chaoyangAdminKey = await agencyWithKey(db, 'bj-chaoyang-zjw', 'admin', '北京市朝阳区住房和城乡建设委员会');
  const account = (username: string, agencyCode: string, role: 'admin' | 'publisher' | 'press' | 'reviewer') =>
    createStaff(db, { agencyCode, username, role }).then((r) => ({ username, password: r.password }));
  return { db, app, http, clock, logs: lines, services, sandbox, haidianAdminKey, haidianKey, chaoyangAdminKey, account };
}
