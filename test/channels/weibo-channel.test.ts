import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import { ChannelError } from '../../channels/types.ts';
import { buildStatusText, codePoints } from '../../channels/weibo/status-text.ts';
import { createWeiboClient, type WeiboClient } from '../../channels/weibo/weibo-client.ts';
import { createWeiboChannel } from '../../channels/weibo/weibo.channel.ts';
import { waitFor } from '../helpers/wait.ts';
import { sampleMessage, thrown, weiboSandbox, SERVER_IP } from './weibo-helpers.ts';

let sandbox: Sandbox;
let client: WeiboClient;
const TOKEN = 'sandbox-weibo-token';

beforeAll(async () => {
  ({ sandbox, client } = await weiboSandbox());
});
afterAll(() => sandbox.close());
beforeEach(() => {
  sandbox.weibo.reset();
  sandbox.outbox.clear();
});

describe('Weibo channel: posting', () => {
  it('shares one status whose form body is exactly the summary and the permalink', async () => {
    const channel = createWeiboChannel({ client, accessToken: TOKEN, rip: '203.0.113.7' });
    expect(channel).toMatchObject({ id: 'weibo', perRecipient: false });
    const result = await channel.send(sampleMessage());

    const [entry, ...rest] = sandbox.outbox.list('weibo');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      path: '/2/statuses/share.json',
      body: {
        status: '北京市住房和城乡建设委员会｜配租结果：2026年第三批公共租赁住房配租结果公示 http://127.0.0.1/disclosures/6710e3c2a1b2c3d4e5f60718',
        rip: '203.0.113.7',
      },
    });
    expect(Object.keys(entry?.body as object).sort()).toEqual(['rip', 'status']);
    expect(result.externalId).toMatch(/^\d{16}$/);
    expect(result.externalId).toBe(entry?.externalId);
    expect(sandbox.weibo.statuses().map((s) => s.idstr)).toEqual([result.externalId]);
  });

  it('labels corrections and withdrawals and drops # so no topic is formed', async () => {
    const channel = createWeiboChannel({ client, accessToken: async () => TOKEN, rip: SERVER_IP });
    await channel.send(sampleMessage({ kind: 'correct', title: '#紧急# 配租结果  变更\n公示' }));
    await channel.send(sampleMessage({ kind: 'withdraw', disclosureId: 'w1', url: 'http://localhost/disclosures/w1' }));
    expect(sandbox.outbox.list('weibo').map((e) => (e.body as { status: string }).status)).toEqual([
      '【更正】北京市住房和城乡建设委员会｜配租结果：紧急 配租结果 变更 公示 http://127.0.0.1/disclosures/6710e3c2a1b2c3d4e5f60718',
      '【撤回】北京市住房和城乡建设委员会｜配租结果：2026年第三批公共租赁住房配租结果公示 http://localhost/disclosures/w1',
    ]);
  });

  it('leads with the marker once when the title already carries it, as core’s titles do', async () => {
    const channel = createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP });
    await channel.send(sampleMessage({ kind: 'withdraw', title: '【撤回】2026年第三批公共租赁住房配租结果公示' }));
    await channel.send(sampleMessage({ kind: 'correct', disclosureId: 'c2', title: '【更正】2026年第三批公共租赁住房配租结果公示' }));
    const statuses = sandbox.outbox.list('weibo').map((e) => (e.body as { status: string }).status);
    expect(statuses.map((s) => s.split(' ')[0])).toEqual([
      '【撤回】北京市住房和城乡建设委员会｜配租结果：2026年第三批公共租赁住房配租结果公示',
      '【更正】北京市住房和城乡建设委员会｜配租结果：2026年第三批公共租赁住房配租结果公示',
    ]);
  });

  it('cuts a 300-character Chinese title to 140 code points and keeps the link whole', async () => {
    const title = '关于'.padEnd(300, '保障性住房分配');
    const message = sampleMessage({ title, url: 'http://127.0.0.1/disclosures/6710e3c2a1b2c3d4e5f60718?lang=zh' });
    await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(message);

    const status = (sandbox.outbox.list('weibo')[0]?.body as { status: string }).status;
    expect(codePoints(status)).toBe(140);
    expect(status.endsWith(`… ${message.url}`)).toBe(true);
    expect(status.startsWith('北京市住房和城乡建设委员会｜配租结果：关于保障性住房')).toBe(true);
  });

  it('never splits a character outside the BMP and honours a smaller maxLength', () => {
    const status = buildStatusText(sampleMessage({ title: '𠀋'.repeat(50), url: 'http://127.0.0.1/d/1' }), 60);
    expect(codePoints(status)).toBe(60);
    expect(status).toMatch(/𠀋… http:\/\/127\.0\.0\.1\/d\/1$/u);
  });

  it('fails locally when the link leaves no room', async () => {
    const url = `http://127.0.0.1/${'x'.repeat(150)}`;
    const error = await thrown(() => createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage({ url })));
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: 'weibo', code: 'url-too-long', action: 'fail' });
    expect(sandbox.outbox.list('weibo')).toEqual([]);
  });
});

describe('Weibo channel: duplicates are already published', () => {
  it('answers 20019 for the same text and returns the existing status id from our timeline', async () => {
    const channel = createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP });
    const first = await channel.send(sampleMessage());
    const again = await channel.send(sampleMessage());
    expect(again).toEqual(first);
    expect(sandbox.outbox.list('weibo')).toHaveLength(1);
  });

  it('a share that timed out but was posted is found, not posted twice, on retry', async () => {
    const impatient = createWeiboChannel({ client: createWeiboClient({ baseURL: sandbox.url, timeoutMs: 200 }), accessToken: TOKEN, rip: SERVER_IP });
    sandbox.weibo.fault({ path: '/2/statuses/share.json', latencyMs: 1_000 });
    const error = await thrown(() => impatient.send(sampleMessage()));
    expect(error).toMatchObject({ code: 'timeout', action: 'retry' });

    const [posted] = await waitFor(async () => sandbox.weibo.statuses(), (s) => s.length === 1);
    const retried = await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage());
    expect(retried).toEqual({ externalId: posted?.idstr });
    expect(sandbox.outbox.list('weibo')).toHaveLength(1);
  });

  it('20017 (similar) without our exact text in the timeline fails for an operator', async () => {
    sandbox.weibo.fault({ path: '/2/statuses/share.json', errorCode: 20017, error: 'repeated weibo text!' });
    const error = await thrown(() => createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage()));
    expect(error).toMatchObject({ code: '20017', action: 'fail' });
  });

  it('20032 (accepted, visible later) counts as sent', async () => {
    sandbox.weibo.fault({ path: '/2/statuses/share.json', errorCode: 20032, error: 'publish success, visible later' });
    expect(await createWeiboChannel({ client, accessToken: TOKEN, rip: SERVER_IP }).send(sampleMessage())).toEqual({});
  });
});
