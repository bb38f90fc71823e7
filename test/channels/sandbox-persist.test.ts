import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPS } from '../../channels/registry.ts';
import { startSandbox } from '../../channels/sandbox/server.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-sandbox-state-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const OA = SANDBOX_APPS.oa;
const DATA = { thing1: { value: '标题' }, thing2: { value: '机关' }, thing3: { value: '分配结果' }, time4: { value: '2026年11月20日 09:05' } };

async function post(url: string, body: unknown, form = false) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body as Record<string, string>).toString() : JSON.stringify(body),
  });
  return (await res.json()) as Record<string, unknown>;
}
const tokenOf = async (url: string) =>
  String((await post(`${url}/cgi-bin/stable_token`, { grant_type: 'client_credential', appid: OA.appId, secret: OA.secret })).access_token);
const templateSend = (url: string, token: string, touser: string) =>
  post(`${url}/cgi-bin/message/template/send?access_token=${token}`, { touser, template_id: OA.templateId, data: DATA });

describe('the local sandbox keeps its state in the data folder across restarts', () => {
  const file = path.join(dir, 'sandbox-state.v8');

  it('followers, tokens, Weibo statuses and the outbox come back; what changed after a restart is kept too', async () => {
    const first = await startSandbox({ stateFile: file });
    expect(first.restored).toBe(false);
    first.wechat.registerTemplate(OA.appId, OA.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
    first.wechat.addFollower(OA.appId, 'o-follower-1');
    first.wechat.addFollower(OA.appId, 'o-follower-2');
    first.wechat.unfollow(OA.appId, 'o-follower-2');
    const token = await tokenOf(first.url);
    expect(await templateSend(first.url, token, 'o-follower-1')).toMatchObject({ errcode: 0 });
    const status = await post(`${first.url}/2/statuses/share.json`, { access_token: SANDBOX_APPS.weiboToken, status: '公示 http://127.0.0.1/d/1', rip: '203.0.113.7' }, true);
    const statusId = String(status.idstr);
    first.weibo.addComment(statusId, { text: '什么时候公示第二批？' });
    await first.close();

    const second = await startSandbox({ stateFile: file });
    expect(second.restored).toBe(true);
    // The token WeChat issued before the restart still works, and the follower is still one (not 43004).
    expect(await templateSend(second.url, token, 'o-follower-1')).toMatchObject({ errcode: 0 });
    expect(await templateSend(second.url, token, 'o-follower-2')).toMatchObject({ errcode: 43004 });
    // The earlier status is still there to poll, with its comment; new ids do not collide with old ones.
    const comments = await (await fetch(`${second.url}/2/comments/show.json?access_token=${SANDBOX_APPS.weiboToken}&id=${statusId}`)).json();
    expect((comments as { comments: { text: string }[] }).comments.map((c) => c.text)).toEqual(['什么时候公示第二批？']);
    const next = await post(`${second.url}/2/statuses/share.json`, { access_token: SANDBOX_APPS.weiboToken, status: '公示 http://127.0.0.1/d/2', rip: '203.0.113.7' }, true);
    expect(BigInt(String(next.idstr)) > BigInt(statusId)).toBe(true);
    expect(second.outbox.list('wechat-oa').length).toBe(2);
    expect(second.outbox.list('weibo').length).toBe(2);
    second.wechat.addFollower(OA.appId, 'o-follower-3');
    await second.close();

    const third = await startSandbox({ stateFile: file });
    expect(await templateSend(third.url, token, 'o-follower-3')).toMatchObject({ errcode: 0 });
    await third.close();
  });

  it('a file it cannot read is moved aside with a warning, and the sandbox starts empty', async () => {
    const broken = path.join(dir, 'broken.v8');
    fs.writeFileSync(broken, 'not a snapshot');
    const warnings: string[] = [];
    const sandbox = await startSandbox({ stateFile: broken, warn: (m) => warnings.push(m) });
    expect(sandbox.restored).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not be read');
    expect(fs.readdirSync(dir).some((f) => f.startsWith('broken.v8.unreadable-'))).toBe(true);
    expect(sandbox.outbox.list()).toEqual([]);
    await sandbox.close();
    // Closing wrote a fresh, readable state.
    const again = await startSandbox({ stateFile: broken, warn: (m) => warnings.push(m) });
    expect(again.restored).toBe(true);
    expect(warnings).toHaveLength(1);
    await again.close();
  });
});
