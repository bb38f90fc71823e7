import { describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../core/agencies/api-keys.ts';
import { responseTaskCollection } from '../../core/models/response-task.model.ts';
import { csrfOf, NOW, pressWorld, seedOpinion, sessionOf } from './press-world.ts';

const w = await pressWorld('press_auth');
const { http, db, clock } = w;
await seedOpinion(db, w);

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';

async function login(apiKey: string) {
  return http().post('/press/login').type(FORM).send(form({ apiKey }));
}

async function signIn(apiKey = w.haidianPress.apiKey): Promise<{ cookie: string; csrf: string }> {
  const res = await login(apiKey);
  expect(res.status).toBe(303);
  const cookie = sessionOf(res);
  const page = await http().get('/press').set('Cookie', cookie);
  expect(page.status).toBe(200);
  return { cookie, csrf: csrfOf(page.text) };
}

describe('signing in', () => {
  it('sends strangers from every /press page to the login form', async () => {
    for (const path of ['/press', `/press/disclosures/${w.haidianItem}`, '/press/nothing-here']) {
      const res = await http().get(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.location).toBe('/press/login');
    }
    const post = await http().post('/press/tasks/alert:normal-1/acknowledge').type(FORM).send('csrf=x');
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe('/press/login');
  });

  it('shows the form under a strict Content-Security-Policy, with its stylesheet served here', async () => {
    const res = await http().get('/press/login');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.text).toContain('<form method="post" action="/press/login"');
    expect(res.text).not.toMatch(/<script|\son[a-z]+=|style="/i);
    const css = await http().get('/press/assets/press.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
  });

  it('answers a wrong, unknown or missing key with the form again, a Chinese error and 401', async () => {
    const wrongSecret = w.haidianPress.apiKey.slice(0, -4) + (w.haidianPress.apiKey.endsWith('0000') ? '1111' : '0000');
    for (const body of [form({ apiKey: wrongSecret }), form({ apiKey: 'hello' }), '']) {
      const res = await http().post('/press/login').type(FORM).send(body);
      expect(res.status).toBe(401);
      expect(res.text).toContain('API 密钥无效、已吊销或已过期');
      expect(res.text).toContain('action="/press/login"');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a publisher key with 403: the dashboard is for press officers and admins', async () => {
    const res = await login(w.haidian.apiKey);
    expect(res.status).toBe(403);
    expect(res.text).toContain('没有舆情工作台权限');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect((await login(w.haidianAdmin.apiKey)).status).toBe(303);
  });

  it('refuses a form larger than 8 KB with 413', async () => {
    const res = await http().post('/press/login').type(FORM).send(form({ apiKey: 'k'.repeat(9000) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('refuses a JSON body with 415 rather than guessing', async () => {
    const res = await http().post('/press/login').send({ apiKey: w.haidianPress.apiKey });
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('sets an HttpOnly, SameSite=Strict, Secure, expiring cookie that does not hold the key', async () => {
    const res = await login(w.haidianPress.apiKey);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/press');
    const header = ([] as string[]).concat(res.headers['set-cookie'] as unknown as string[])[0]!;
    const attributes = header.split('; ').slice(1);
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/press', 'Max-Age=43200']));
    const value = sessionOf(res).slice('gk_press='.length);
    expect(value).toMatch(/^ps1\.[0-9a-f]{16}\.\d{10}\.[A-Za-z0-9_-]{43}$/);
    const secret = w.haidianPress.apiKey.split('_')[2]!;
    expect(value).not.toContain(secret);
  });
});

describe('the session', () => {
  it('shows the signed-in agency’s dashboard, and refuses a forged cookie', async () => {
    const { cookie } = await signIn();
    const page = await http().get('/press').set('Cookie', cookie);
    expect(page.text).toContain('北京市海淀区住房和城乡建设委员会');
    const last = cookie.at(-1) === 'A' ? 'B' : 'A';
    const forged = await http().get('/press').set('Cookie', cookie.slice(0, -1) + last);
    expect(forged.status).toBe(303);
    expect(forged.headers['set-cookie']?.[0]).toContain('Max-Age=0');
  });

  it('ends after twelve hours', async () => {
    const { cookie } = await signIn();
    clock.now = new Date(NOW.getTime() + 12 * 3600_000 + 1000);
    try {
      const res = await http().get('/press').set('Cookie', cookie);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/press/login');
    } finally {
      clock.now = NOW;
    }
  });

  it('ends when its key is revoked', async () => {
    const { agencyWithKey } = await import('../helpers/registry.ts');
    const spare = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
    const { cookie } = await signIn(spare.apiKey);
    await revokeApiKey(db, spare.apiKey.split('_')[1]!);
    expect((await http().get('/press').set('Cookie', cookie)).status).toBe(303);
  });

  it('logs out only with the CSRF token, and clears the cookie', async () => {
    const { cookie, csrf } = await signIn();
    const refused = await http().post('/press/logout').set('Cookie', cookie).type(FORM).send(form({ csrf: 'nope' }));
    expect(refused.status).toBe(403);
    const out = await http().post('/press/logout').set('Cookie', cookie).type(FORM).send(form({ csrf }));
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/press/login');
    expect(out.headers['set-cookie']?.[0]).toMatch(/^gk_press=; .*Max-Age=0/);
  });
});

describe('acknowledging a task', () => {
  const status = async (id: string) => (await responseTaskCollection(db).findOne({ _id: id }))?.status;

  it('is refused without the session’s CSRF token, leaving the task open', async () => {
    const mine = await signIn();
    const theirs = await signIn(w.haidianAdmin.apiKey);
    const attempts: Record<string, string>[] = [{}, { csrf: '' }, { csrf: theirs.csrf }, { csrf: mine.csrf.slice(0, -1) }];
    for (const fields of attempts) {
      const res = await http().post('/press/tasks/alert:normal-1/acknowledge').set('Cookie', mine.cookie).type(FORM).send(form(fields));
      expect(res.status).toBe(403);
      expect(res.text).toContain('CSRF');
    }
    expect(await status('alert:normal-1')).toBe('open');
  });

  it('acknowledges with the token and shows it on the dashboard', async () => {
    const { cookie, csrf } = await signIn();
    const res = await http().post('/press/tasks/alert:normal-1/acknowledge').set('Cookie', cookie).type(FORM).send(form({ csrf }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/press#tasks');
    const task = await responseTaskCollection(db).findOne({ _id: 'alert:normal-1' });
    expect(task).toMatchObject({ status: 'acknowledged', acknowledgedAt: NOW });
    const page = await http().get('/press').set('Cookie', cookie);
    expect(page.text).toMatch(/data-task="alert:normal-1" data-status="acknowledged"/);
  });

  it('does not reach another agency’s task', async () => {
    const { cookie, csrf } = await signIn();
    const res = await http().post('/press/tasks/alert:chaoyang-1/acknowledge').set('Cookie', cookie).type(FORM).send(form({ csrf }));
    expect(res.status).toBe(404);
    expect(await status('alert:chaoyang-1')).toBe('open');
  });
});

describe('scoping and escaping', () => {
  it('answers 404 for another agency’s disclosure and for ids that are no ids', async () => {
    const { cookie } = await signIn();
    for (const id of [w.chaoyangItem, 'not-an-id', '{"$gt":""}', '0'.repeat(24)]) {
      const res = await http().get(`/press/disclosures/${encodeURIComponent(id)}`).set('Cookie', cookie);
      expect(res.status, id).toBe(404);
      expect(res.text).toContain('没有找到');
      expect(res.text).not.toContain('朝阳区2026年第二批');
    }
    const theirs = await signIn(w.chaoyangPress.apiKey);
    expect((await http().get(`/press/disclosures/${w.chaoyangItem}`).set('Cookie', theirs.cookie)).status).toBe(200);
  });

  it('shows hostile reaction text as text, never as markup', async () => {
    const { cookie } = await signIn();
    const res = await http().get(`/press/disclosures/${w.haidianItem}`).set('Cookie', cookie);
    expect(res.status).toBe(200);
    expect(res.text).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;公租房摇号黑幕');
    expect(res.text).not.toMatch(/<script/i);
  });

  it('counts only the agency’s own reactions', async () => {
    const { cookie } = await signIn();
    const page = (await http().get('/press').set('Cookie', cookie)).text;
    expect(page).toContain('<strong id="total">10</strong>');
    expect(page).not.toContain('拆迁');
    expect(page).not.toContain('alert:chaoyang-1');
  });
});
