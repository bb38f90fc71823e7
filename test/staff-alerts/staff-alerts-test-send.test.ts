import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../channels/sandbox/server.ts';
import { createServices } from '../../core/services.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { agencyWithKey, BASE_URL, testApp } from '../helpers/registry.ts';

const db = await connectTestDb('staff-alerts-test-send');
const sandbox = await startSandbox();
afterAll(() => sandbox.close());
const { logger, lines } = captureLogs();
const services = createServices(db, { readModel: testReadModel(), logger, dataKeys: TEST_DATA_KEYS });
const staffAlerts = { keys: TEST_DATA_KEYS, publicBaseUrl: BASE_URL, sandboxUrl: sandbox.url, tokenStore: createMongoTokenStore(db) };
// As `npm start` wires it while a sandbox runs in the process: the outbox is served at /sandbox/outbox.
const http = () => request(testApp({ logger, db, services }, { staffAlerts, sandboxOutbox: sandbox.outbox }).callback());
const admin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
const press = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const otherAdmin = await agencyWithKey(db, 'bj-chaoyang-zjw', 'admin');
const save = (body: Record<string, unknown>) => http().post('/api/v1/staff-alerts/targets').set(admin.auth).send(body);

describe('a test message through a target', () => {
  it('reaches the WeCom sandbox robot, readable at /sandbox/outbox?channel=wecom-robot', async () => {
    expect((await save({ kind: 'wecom-robot', id: 'duty', mode: 'sandbox' })).status).toBe(200);
    const res = await http().post('/api/v1/staff-alerts/targets/wecom-robot/duty/test').set(admin.auth).expect(200);
    expect(res.body).toEqual({ sent: true, mode: 'sandbox' });
    const outbox = await http().get('/sandbox/outbox?channel=wecom-robot').expect(200);
    expect(outbox.body.items).toHaveLength(1);
    expect(outbox.body.items[0].body.markdown.content).toContain('【测试消息】舆情提醒渠道配置测试');
    expect(outbox.body.items[0].body.markdown.content).toContain('bj-haidian-zjw 住房和城乡建设委员会');
  });

  it('says what the vendor refused: a wrong DingTalk secret is 310000 and not retryable', async () => {
    await save({ kind: 'dingtalk-robot', id: 'wrong', mode: 'sandbox', secrets: { secret: 'SECwrong-secret-for-sandbox' } });
    const res = await http().post('/api/v1/staff-alerts/targets/dingtalk-robot/wrong/test').set(admin.auth).expect(200);
    expect(res.body).toMatchObject({ sent: false, mode: 'sandbox', code: '310000', retryable: false });
    expect(JSON.stringify(res.body) + lines.join('\n')).not.toContain('SECwrong-secret-for-sandbox');
    const audit = await db.collection('audit').find({ action: 'staff-alert-target.test' }).toArray();
    expect(audit.map((a) => a.detail)).toEqual([{ sent: true }, { sent: false, code: '310000' }]);
  });

  it('without DATA_ENCRYPTION_KEY a target on the sandbox’s own robot still saves and sends; a secret to seal is 503', async () => {
    const keyless = createServices(db, { readModel: testReadModel(), logger });
    const wiring = { publicBaseUrl: BASE_URL, sandboxUrl: sandbox.url, tokenStore: createMongoTokenStore(db) };
    const bare = () => request(testApp({ logger, db, services: keyless }, { staffAlerts: wiring }).callback());
    const other = await agencyWithKey(db, 'bj-dongcheng-zjw', 'admin');
    expect((await bare().post('/api/v1/staff-alerts/targets').set(other.auth).send({ kind: 'dingtalk-robot', id: 'duty', mode: 'sandbox' })).status).toBe(200);
    expect((await bare().post('/api/v1/staff-alerts/targets/dingtalk-robot/duty/test').set(other.auth)).body).toEqual({ sent: true, mode: 'sandbox' });
    const sealed = await bare().post('/api/v1/staff-alerts/targets').set(other.auth).send({ kind: 'dingtalk-robot', id: 'duty', mode: 'sandbox', secrets: { secret: 'SECneeds-a-key-to-seal' } });
    expect(sealed.status).toBe(503);
    expect(JSON.stringify(sealed.body)).not.toContain('SECneeds-a-key-to-seal');
  });

  it('a target that is off is 409; another agency’s is 404; other roles 403', async () => {
    await save({ kind: 'wecom-robot', id: 'paused', mode: 'off' });
    const off = await http().post('/api/v1/staff-alerts/targets/wecom-robot/paused/test').set(admin.auth);
    expect(off.status).toBe(409);
    expect(off.body.error.fields).toEqual([{ path: 'mode', message: 'off' }]);
    expect((await http().post('/api/v1/staff-alerts/targets/wecom-robot/duty/test').set(otherAdmin.auth)).status).toBe(404);
    expect((await http().post('/api/v1/staff-alerts/targets/wecom-robot/duty/test').set(press.auth)).status).toBe(403);
    expect((await http().get('/sandbox/outbox?channel=wecom-robot')).body.items).toHaveLength(1);
    expect((await http().get('/sandbox/outbox?channel=fax')).status).toBe(400);
  });
});
