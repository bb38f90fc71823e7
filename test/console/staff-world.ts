import request from 'supertest';
import { createServices } from '../../core/services.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { agencyWithKey, testApp } from '../helpers/registry.ts';

export const SESSION_SECRET = 'staff-console-test-secret-0123456789abcdef';

/**
 * The real app with console sign-in: two agencies (海淀 with admin and publisher keys, 朝阳 with a
 * publisher key), one settable clock for sessions, due dates and the sign-in throttle.
 */
export async function staffWorld(label: string, options: { publicBaseUrl?: string } = {}) {
  const db = await connectTestDb(label);
  const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
  const now = () => clock.now;
  const { logger, lines } = captureLogs();
  const services = createServices(db, { readModel: testReadModel(), logger, now });
  const app = testApp(
    { logger, db, services },
    { trustProxy: true, press: { sessionSecret: SESSION_SECRET, now }, rateLimitClock: () => clock.now.getTime(), ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}) },
  );
  const http = () => request(app.callback());
  const haidianAdminKey = await agencyWithKey(db, 'bj-haidian-zjw', 'admin', '北京市海淀区住房和城乡建设委员会');
  const haidianKey = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
  const chaoyangKey = await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher', '北京市朝阳区住房和城乡建设委员会');
  /** An account made as `npx gongkai staff create` makes it. */
  const account = (username: string, agencyCode: string, role: 'admin' | 'publisher' | 'press' | 'reviewer') =>
    createStaff(db, { agencyCode, username, role }).then((r) => ({ username, password: r.password }));
  return { db, app, http, clock, logs: lines, services, haidianAdminKey, haidianKey, chaoyangKey, account };
}

/** Signs in and returns the cookie header and CSRF token. */
export async function signIn(http: () => request.Agent | ReturnType<typeof request>, username: string, password: string, ip = '10.0.0.1') {
  const res = await (http() as ReturnType<typeof request>).post('/api/v1/staff/sign-in').set('X-Forwarded-For', ip).send({ username, password });
  if (res.status !== 200) throw new Error(`sign-in ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  return { cookie, csrf: res.body.csrfToken as string, body: res.body };
}
