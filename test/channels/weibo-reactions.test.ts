import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import type { WeiboClient } from '../../channels/weibo/weibo-client.ts';
import { fetchComments, fetchReposts, parseWeiboDate, pseudonymousAuthor } from '../../channels/weibo/weibo-reactions.ts';
import { createWeiboChannel } from '../../channels/weibo/weibo.channel.ts';
import { sampleMessage, testClock, thrown, weiboSandbox, SERVER_IP } from './weibo-helpers.ts';

const clock = testClock('2026-10-09T11:00:00+08:00');
let sandbox: Sandbox;
let client: WeiboClient;
let statusId: string;
const TOKEN = 'sandbox-weibo-token';

beforeAll(async () => {
  ({ sandbox, client } = await weiboSandbox({ weibo: { now: () => clock.now } }));
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.weibo.reset();
  const sent = await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage());
  statusId = sent.externalId ?? '';
});

const comment = (text: string, uid = '6000000001') => sandbox.weibo.addComment(statusId, { text, user: { id: uid } });

describe('Weibo reactions', () => {
  it('returns new comments oldest first and moves the since_id cursor; nothing is returned twice', async () => {
    const first = [comment('配租名单何时公布？'), comment('支持公开'), comment('第三批的公示期多长', '6000000002')];
    const a = await fetchComments(client, TOKEN, statusId);
    expect(a.items.map((i) => i.externalId)).toEqual(first);
    expect(a).toMatchObject({ sinceId: first[2], complete: true });
    expect(a.items[0]).toMatchObject({ kind: 'comment', statusId, text: '配租名单何时公布？', createdAt: clock.now });

    const second = [comment('已看到'), comment('谢谢')];
    const b = await fetchComments(client, TOKEN, statusId, a.sinceId);
    expect(b.items.map((i) => i.externalId)).toEqual(second);
    expect(b.sinceId).toBe(second[1]);

    const c = await fetchComments(client, TOKEN, statusId, b.sinceId);
    expect(c).toEqual({ items: [], sinceId: b.sinceId, complete: true });
  });

  it('walks several pages with max_id without gaps or duplicates', async () => {
    const ids = ['一', '二', '三', '四', '五'].map((t) => comment(t));
    const all = await fetchComments(client, TOKEN, statusId, undefined, { count: 2 });
    expect(all.items.map((i) => i.externalId)).toEqual(ids);
    expect(all.complete).toBe(true);

    const newer = [comment('六'), comment('七'), comment('八')];
    const next = await fetchComments(client, TOKEN, statusId, all.sinceId, { count: 2 });
    expect(next.items.map((i) => i.text)).toEqual(['六', '七', '八']);
    expect(next.sinceId).toBe(newer[2]);

    const capped = await fetchComments(client, TOKEN, statusId, undefined, { count: 2, maxPages: 2 });
    expect(capped.items).toHaveLength(4);
    expect(capped.complete).toBe(false);
  });

  it('hides commenters who have not authorised the app, as Weibo does; total_number still counts them', async () => {
    comment('看得见');
    sandbox.weibo.addComment(statusId, { text: '看不见', visibleToApp: false });
    const { items } = await fetchComments(client, TOKEN, statusId);
    expect(items.map((i) => i.text)).toEqual(['看得见']);
    const raw = await client.get<{ total_number: number }>('/2/comments/show.json', { access_token: TOKEN, id: statusId });
    expect(raw.total_number).toBe(2);
  });

  it('names authors by a keyed pseudonym, never by uid', async () => {
    comment('甲', '6000000009');
    comment('乙', '6000000009');
    comment('丙', '6000000010');
    const { items } = await fetchComments(client, TOKEN, statusId, undefined, { pseudonymKey: 'k1' });
    const [a, b, c] = items.map((i) => i.author);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toBe(pseudonymousAuthor('6000000009', 'k1'));
    expect(a).not.toBe(pseudonymousAuthor('6000000009', 'k2'));
    expect(JSON.stringify(items)).not.toContain('6000000009');
  });

  it('reposts page the same way', async () => {
    const r1 = sandbox.weibo.addRepost(statusId, { text: '转发微博' });
    const a = await fetchReposts(client, TOKEN, statusId);
    expect(a.items).toMatchObject([{ kind: 'repost', externalId: r1, text: '转发微博' }]);
    const r2 = sandbox.weibo.addRepost(statusId, { text: '//@某人: 关注' });
    const b = await fetchReposts(client, TOKEN, statusId, a.sinceId);
    expect(b.items.map((i) => i.externalId)).toEqual([r2]);
  });

  it('an unknown status → 20101 fail', async () => {
    expect(await thrown(() => fetchComments(client, TOKEN, '4999999999999999'))).toMatchObject({ code: '20101', action: 'fail' });
  });

  it('parses Weibo dates with their offset', () => {
    expect(parseWeiboDate('Wed Oct 24 23:49:17 +0800 2012').toISOString()).toBe('2012-10-24T15:49:17.000Z');
    expect(Number.isNaN(parseWeiboDate('yesterday').getTime())).toBe(true);
  });
});
