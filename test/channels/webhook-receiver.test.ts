import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../channels/sandbox/server.ts';
import { signWebhook } from '../../channels/webhook/signature.ts';
import { createWebhookChannel } from '../../channels/webhook/webhook.channel.ts';
import { sampleMessage, thrown, weiboSandbox } from './weibo-helpers.ts';

const SECRET = 'whsec-sandbox-test';
let sandbox: Sandbox;
const channel = createWebhookChannel({ secret: SECRET, timeoutMs: 5_000 });
const recipient = (query = '') => ({ id: 'sandbox-endpoint', address: `${sandbox.webhook.url}${query}` });

beforeAll(async () => {
  ({ sandbox } = await weiboSandbox({ webhookSecret: SECRET }));
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.outbox.clear();
  await fetch(`${sandbox.url}/sandbox/admin/webhook/reset`, { method: 'POST' });
});

async function post(rawBody: string, headers: Record<string, string>) {
  const res = await fetch(sandbox.webhook.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: rawBody });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sandbox webhook receiver', () => {
  it('records a verified delivery with its parsed body and answers its request id', async () => {
    const message = sampleMessage();
    const result = await channel.send(message, recipient());
    expect(sandbox.webhook.secret).toBe(SECRET);
    const entries = sandbox.outbox.list('webhook');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      channel: 'webhook',
      path: '/webhook/receive',
      externalId: result.externalId,
      body: { event: 'disclosure.published', key: message.key, disclosure: message.document },
    });
    expect(result.externalId).toMatch(/^wh-\d+$/);
  });

  it('rejects forged deliveries with 401 and the reason, recording nothing', async () => {
    const raw = JSON.stringify({ event: 'disclosure.published', key: 'k:1', disclosure: {}, sentAt: new Date().toISOString() });
    const good = signWebhook(SECRET, raw);
    expect(await post(raw.replace('k:1', 'k:2'), good)).toEqual({ status: 401, body: { error: 'mismatch' } });
    expect(await post(raw, signWebhook('wrong', raw))).toEqual({ status: 401, body: { error: 'mismatch' } });
    expect(await post(raw, signWebhook(SECRET, raw, new Date(Date.now() - 3_600_000)))).toEqual({ status: 401, body: { error: 'too-old' } });
    expect(await post(raw, {})).toEqual({ status: 401, body: { error: 'missing-timestamp' } });

    const forger = createWebhookChannel({ secret: 'guessed', timeoutMs: 5_000 });
    expect(await thrown(() => forger.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-401', action: 'fail' });
    expect(sandbox.outbox.list('webhook')).toEqual([]);

    expect(await post(raw, good)).toMatchObject({ status: 200, body: { ok: true } });
  });

  it('a signed body that is not JSON → 400', async () => {
    expect(await post('not json', signWebhook(SECRET, 'not json'))).toEqual({ status: 400, body: { error: 'body is not JSON' } });
  });

  it('scripted faults by count: 503, then 429 with Retry-After, then success', async () => {
    const admin = (fault: object) =>
      fetch(`${sandbox.url}/sandbox/admin/webhook/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
    expect((await admin({ http: 503 })).status).toBe(200);
    expect((await admin({ http: 429, retryAfter: 30, count: 2 })).status).toBe(200);
    expect((await admin({ http: 200 })).status).toBe(400);

    expect(await thrown(() => channel.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-503', action: 'retry' });
    for (let i = 0; i < 2; i += 1) {
      expect(await thrown(() => channel.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-429', action: 'retry', retryAfterMs: 30_000 });
    }
    expect(await channel.send(sampleMessage(), recipient())).toHaveProperty('externalId');
    expect(sandbox.outbox.list('webhook')).toHaveLength(1);
  });

  it('a static fault in the endpoint URL', async () => {
    expect(await thrown(() => channel.send(sampleMessage(), recipient('?status=503&retryAfter=5')))).toMatchObject({
      code: 'http-503',
      action: 'retry',
      retryAfterMs: 5_000,
    });
    expect(await thrown(() => channel.send(sampleMessage(), recipient('?status=400')))).toMatchObject({ code: 'http-400', action: 'fail' });
  });
});
