import { describe, expect, it } from 'vitest';
import { allocationResult } from '../helpers/registry.ts';
import { signIn, staffWorld } from './staff-world.ts';

const w = await staffWorld('staff_accounts');
const { http, db, clock } = w;
const admin = await w.account('hd-admin', 'bj-haidian-zjw', 'admin');
const PASSWORD = 'correct horse battery';

describe('staff accounts', () => {
  it('an admin creates an account through the API; only an scrypt hash with its own salt and parameters is stored', async () => {
    const s = await signIn(http, admin.username, admin.password);
    const res = await http().post('/api/v1/staff').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send({ username: 'hd-pub', role: 'publisher', password: PASSWORD });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.account).toMatchObject({ username: 'hd-pub', agencyCode: 'bj-haidian-zjw', role: 'publisher', disabled: false });
    const stored = await db.collection('staff_accounts').findOne({ _id: 'staff:hd-pub' as never });
    expect(stored?.password).toMatchObject({ algo: 'scrypt', N: 32768, r: 8, p: 1, keyLen: 32 });
    expect(Buffer.from(stored!.password.salt, 'base64')).toHaveLength(16);
    expect(JSON.stringify(stored)).not.toContain(PASSWORD);
    const other = await db.collection('staff_accounts').findOne({ _id: 'staff:hd-admin' as never });
    expect(other!.password.salt).not.toBe(stored!.password.salt);
    expect(await db.collection('audit').findOne({ action: 'staff.create', subject: 'hd-pub' })).toMatchObject({ actor: { kind: 'staff', keyId: 'staff:hd-admin', role: 'admin' } });
    const dup = await http().post('/api/v1/staff').set(w.haidianAdminKey.auth).send({ username: 'hd-pub', role: 'press' });
    expect(dup.status).toBe(409);
    const list = await http().get('/api/v1/staff').set(w.haidianAdminKey.auth);
    expect(list.body.items.map((a: { username: string }) => a.username)).toEqual(['hd-admin', 'hd-pub']);
    expect(JSON.stringify(list.body)).not.toContain('salt');
  });

  it('signs in with an HTTP-only SameSite=Strict cookie; a wrong password is 401 without a cookie', async () => {
    const res = await http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', '10.0.0.2').send({ username: 'hd-pub', password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ username: 'hd-pub', agencyCode: 'bj-haidian-zjw', role: 'publisher' });
    expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^gk_staff=st1\./);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/;');
    const wrong = await http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', '10.0.0.2').send({ username: 'hd-pub', password: 'nope nope nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const me = await http().get('/api/v1/staff/me').set('Cookie', cookie.split(';')[0]!);
    expect(me.body).toEqual({ agencyCode: 'bj-haidian-zjw', role: 'publisher', username: 'hd-pub', csrfToken: res.body.csrfToken });
  });

  it('a session acts as a key does, audited as the account; a write without the CSRF token is 403 and writes nothing', async () => {
    const s = await signIn(http, 'hd-pub', PASSWORD);
    const body = allocationResult({ title: '海淀区控制台草稿' });
    const noToken = await http().post('/api/v1/disclosures').set('Cookie', s.cookie).send(body);
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.message).toContain('X-CSRF-Token');
    const wrongToken = await http().post('/api/v1/disclosures').set('Cookie', s.cookie).set('X-CSRF-Token', 'x'.repeat(43)).send(body);
    expect(wrongToken.status).toBe(403);
    expect(await db.collection('disclosures').countDocuments({ title: '海淀区控制台草稿' })).toBe(0);
    const created = await http().post('/api/v1/disclosures').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf).send(body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const published = await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf);
    expect(published.status).toBe(200);
    expect(await db.collection('audit').findOne({ action: 'disclosure.publish', subject: created.body.id })).toMatchObject({
      actor: { kind: 'staff', keyId: 'staff:hd-pub', role: 'publisher', agencyCode: 'bj-haidian-zjw' },
    });
    // Integrators' keys are unchanged: no CSRF token, no cookie.
    const byKey = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(allocationResult({ title: '海淀区密钥草稿' }));
    expect(byKey.status).toBe(201);
    const list = await http().get('/api/v1/agency/disclosures').set('Cookie', s.cookie);
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { title: string }) => i.title)).toEqual(expect.arrayContaining(['海淀区控制台草稿', '海淀区密钥草稿']));
  });

  it('a publisher cannot reach admin endpoints; one agency never sees another’s items or accounts', async () => {
    const pub = await signIn(http, 'hd-pub', PASSWORD);
    for (const [method, path] of [['get', '/api/v1/staff'], ['post', '/api/v1/staff'], ['get', '/api/v1/audit'], ['post', '/api/v1/staff/hd-admin/disable']] as const) {
      const res = await http()[method](path).set('Cookie', pub.cookie).set('X-CSRF-Token', pub.csrf).send(method === 'post' ? { username: 'x1', role: 'admin' } : undefined);
      expect(res.status, path).toBe(403);
    }
    expect((await db.collection('staff_accounts').findOne({ _id: 'staff:hd-admin' as never }))?.disabledAt).toBeUndefined();

    const theirs = await http().post('/api/v1/disclosures').set(w.chaoyangKey.auth).send(allocationResult({ title: '朝阳区草稿', region: '110105' }));
    const cy = await w.account('cy-pub', 'bj-chaoyang-zjw', 'publisher');
    const cySession = await signIn(http, cy.username, cy.password);
    const cyList = await http().get('/api/v1/agency/disclosures').set('Cookie', cySession.cookie);
    expect(cyList.body.items.map((i: { title: string }) => i.title)).toEqual(['朝阳区草稿']);
    // As for keys: another agency's item is refused (403, 谁公开) and nothing of it is shown.
    const foreignItem = await http().get(`/api/v1/agency/disclosures/${theirs.body.id}`).set('Cookie', pub.cookie);
    expect(foreignItem.status).toBe(403);
    expect(JSON.stringify(foreignItem.body)).not.toContain('朝阳区草稿');
    const adminSession = await signIn(http, admin.username, admin.password);
    const foreign = await http().post('/api/v1/staff/cy-pub/disable').set('Cookie', adminSession.cookie).set('X-CSRF-Token', adminSession.csrf);
    expect(foreign.status).toBe(404);
    // A session's CSRF token is worthless with another session's cookie.
    const swapped = await http().post('/api/v1/disclosures').set('Cookie', cySession.cookie).set('X-CSRF-Token', pub.csrf).send(allocationResult());
    expect(swapped.status).toBe(403);
  });

  it('throttles wrong passwords per account (429 with Retry-After, even for the right one) until the window passes', async () => {
    await w.account('hd-press', 'bj-haidian-zjw', 'press');
    const attempt = (password: string, ip: string) => http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', ip).send({ username: 'hd-press', password });
    for (let i = 0; i < 5; i++) expect((await attempt('wrong password 1', `10.1.0.${i}`)).status).toBe(401);
    const blocked = await attempt('wrong password 1', '10.1.0.99');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);
    const reset = await http().post('/api/v1/staff/hd-press/reset').set(w.haidianAdminKey.auth).send({ password: PASSWORD });
    expect(reset.status).toBe(200);
    expect((await attempt(PASSWORD, '10.1.0.100')).status).toBe(429);
    clock.now = new Date(clock.now.getTime() + 15 * 60_000 + 1000);
    expect((await attempt(PASSWORD, '10.1.0.100')).status).toBe(200);
  });

  it('throttles failures per address across accounts, leaving other addresses alone', async () => {
    const attempt = (username: string, ip: string, password = 'wrong password 2') => http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', ip).send({ username, password });
    for (let i = 0; i < 20; i++) expect((await attempt(`guess-${i}`, '10.2.0.1')).status).toBe(401);
    const blocked = await attempt('hd-pub', '10.2.0.1', PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    expect((await attempt('hd-pub', '10.2.0.2', PASSWORD)).status).toBe(200);
  });

  it('disabling ends the account’s sessions and sign-ins; a reset brings it back with a new password only', async () => {
    const s = await signIn(http, 'hd-pub', PASSWORD, '10.3.0.1');
    const adminSession = await signIn(http, admin.username, admin.password, '10.3.0.1');
    const disabled = await http().post('/api/v1/staff/hd-pub/disable').set('Cookie', adminSession.cookie).set('X-CSRF-Token', adminSession.csrf);
    expect(disabled.status).toBe(200);
    expect(disabled.body.account.disabled).toBe(true);
    expect((await http().get('/api/v1/agency/disclosures').set('Cookie', s.cookie)).status).toBe(401);
    const refused = await http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', '10.3.0.2').send({ username: 'hd-pub', password: PASSWORD });
    expect(refused.status).toBe(401);
    const reset = await http().post('/api/v1/staff/hd-pub/reset').set('Cookie', adminSession.cookie).set('X-CSRF-Token', adminSession.csrf).send({});
    expect(reset.status).toBe(200);
    expect(reset.body.password).toMatch(/^[A-Za-z0-9]{16}$/);
    expect((await http().post('/api/v1/staff/sign-in').set('X-Forwarded-For', '10.3.0.3').send({ username: 'hd-pub', password: PASSWORD })).status).toBe(401);
    await signIn(http, 'hd-pub', reset.body.password, '10.3.0.4');
    expect(await db.collection('audit').countDocuments({ action: { $in: ['staff.disable', 'staff.reset'] }, subject: 'hd-pub', 'actor.keyId': 'staff:hd-admin' })).toBe(2);
  });

  it('one sign-in reaches /press for press officers and admins, not publishers', async () => {
    const press = await w.account('hd-press2', 'bj-haidian-zjw', 'press');
    const s = await signIn(http, press.username, press.password, '10.4.0.1');
    const page = await http().get('/press').set('Cookie', s.cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain(s.csrf);
    const pub = await w.account('hd-pub3', 'bj-haidian-zjw', 'publisher');
    const p = await signIn(http, pub.username, pub.password, '10.4.0.1');
    const refused = await http().get('/press').set('Cookie', p.cookie);
    expect(refused.status).toBe(303);
    expect(refused.headers.location).toBe('/press/login');

    // Signing out of /press ends the console session as well.
    const out = await http().post('/press/logout').set('Cookie', s.cookie).type('form').send(`csrf=${encodeURIComponent(s.csrf)}`);
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('gk_staff=; Path=/; Max-Age=0');
  });

  it('signs out: the cookie is cleared', async () => {
    const s = await signIn(http, admin.username, admin.password, '10.5.0.1');
    const out = await http().post('/api/v1/staff/sign-out').set('Cookie', s.cookie).set('X-CSRF-Token', s.csrf);
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^gk_staff=; Path=\/; Max-Age=0/);
  });
});
