import http from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChannelError } from '../../channels/types.ts';
import { verifyWebhook, type VerifyResult } from '../../channels/webhook/signature.ts';
import { createWebhookChannel, parseRetryAfter } from '../../channels/webhook/webhook.channel.ts';
import { sampleMessage, thrown } from './weibo-helpers.ts';

const SECRET = 'whsec-credit-platform';

interface Received {
  headers: http.IncomingHttpHeaders;
  raw: string;
  verdict: VerifyResult;
}

/** A subscriber endpoint as a receiver would write it: raw body, verifyWebhook, then an answer. */
let received: Received[] = [];
let answer: (res: http.ServerResponse, verdict: VerifyResult) => void;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const verdict = verifyWebhook({ secret: SECRET, rawBody: raw, headers: req.headers });
      received.push({ headers: req.headers, raw, verdict });
      if (req.url === '/hang') return; // never answers
      answer(res, verdict);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  answer = (res, verdict) => {
    res.writeHead(verdict.ok ? 200 : 401, { 'X-Request-Id': 'rcv-42' }).end(verdict.ok ? '{}' : verdict.reason);
  };
});

const sentAt = new Date('2026-10-09T10:00:00+08:00');
const channel = createWebhookChannel({ secret: SECRET, timeoutMs: 2_000, userAgent: 'gongkai-test/1' });
const recipient = (path = '/hooks/disclosures') => ({ id: 'endpoint-1', address: `${url}${path}` });

describe('webhook channel', () => {
  it('POSTs a signed JSON event that the receiver verifies', async () => {
    expect(channel).toMatchObject({ id: 'webhook', perRecipient: true });
    const message = sampleMessage();
    const result = await channel.send(message, recipient());

    expect(result).toEqual({ externalId: 'rcv-42' });
    const [delivery] = received;
    expect(delivery?.verdict.ok).toBe(true);
    expect(delivery?.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'idempotency-key': message.key,
      'user-agent': 'gongkai-test/1',
      'x-gongkai-event': 'disclosure.published',
    });
    const body = JSON.parse(delivery?.raw ?? '{}') as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['disclosure', 'event', 'key', 'sentAt', 'url']);
    expect(body).toMatchObject({ event: 'disclosure.published', key: message.key, disclosure: message.document, url: message.url });
    expect(Number.isNaN(Date.parse(String(body.sentAt)))).toBe(false);
  });

  it('names corrections and withdrawals, and without X-Request-Id reports the status', async () => {
    answer = (res) => res.writeHead(202).end();
    expect(await channel.send(sampleMessage({ kind: 'correct', key: 'd:2', revision: 2 }), recipient())).toEqual({ externalId: '202' });
    await channel.send(sampleMessage({ kind: 'withdraw', key: 'd:withdrawn' }), recipient());
    expect(received.map((r) => (JSON.parse(r.raw) as { event: string }).event)).toEqual(['disclosure.corrected', 'disclosure.withdrawn']);
  });

  it('a wrong secret or an old clock is refused by the receiver → 401 fail', async () => {
    const forger = createWebhookChannel({ secret: 'not-the-secret', timeoutMs: 2_000 });
    expect(await thrown(() => forger.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-401', action: 'fail' });
    expect(received[0]?.verdict).toEqual({ ok: false, reason: 'mismatch' });

    const stale = createWebhookChannel({ secret: SECRET, timeoutMs: 2_000, now: () => sentAt });
    expect(await thrown(() => stale.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-401', action: 'fail' });
    expect(received[1]?.verdict).toEqual({ ok: false, reason: 'too-old' });
  });

  it('503 → retry', async () => {
    answer = (res) => res.writeHead(503).end();
    const error = await thrown(() => channel.send(sampleMessage(), recipient()));
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: 'webhook', code: 'http-503', action: 'retry', retryAfterMs: undefined });
  });

  it('429 with Retry-After → retry after that long', async () => {
    answer = (res) => res.writeHead(429, { 'Retry-After': '7' }).end();
    expect(await thrown(() => channel.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-429', action: 'retry', retryAfterMs: 7_000 });
  });

  it('400 and redirects → fail (a redirect is not followed)', async () => {
    answer = (res) => res.writeHead(400).end('bad');
    expect(await thrown(() => channel.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-400', action: 'fail' });
    answer = (res) => res.writeHead(301, { Location: 'http://example.invalid/' }).end();
    expect(await thrown(() => channel.send(sampleMessage(), recipient()))).toMatchObject({ code: 'http-301', action: 'fail' });
    expect(received).toHaveLength(2);
  });

  it('a timeout, a refused connection and a missing URL', async () => {
    const quick = createWebhookChannel({ secret: SECRET, timeoutMs: 200 });
    expect(await thrown(() => quick.send(sampleMessage(), recipient('/hang')))).toMatchObject({ code: 'timeout', action: 'retry' });
    const refused = { id: 'gone', address: 'http://127.0.0.1:1/hook' };
    expect(await thrown(() => channel.send(sampleMessage(), refused))).toMatchObject({ code: 'network', action: 'retry' });
    expect(await thrown(() => channel.send(sampleMessage(), { id: 'x', address: 'ftp://host/' }))).toMatchObject({ code: 'bad-endpoint', action: 'fail' });
    expect(await thrown(() => channel.send(sampleMessage()))).toMatchObject({ code: 'bad-endpoint', action: 'fail' });
  });

  it('per-endpoint secrets', async () => {
    const perEndpoint = createWebhookChannel({ secret: (r) => (r.id === 'endpoint-1' ? SECRET : 'other'), timeoutMs: 2_000 });
    await perEndpoint.send(sampleMessage(), recipient());
    expect(received[0]?.verdict.ok).toBe(true);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = new Date('2026-10-09T02:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Fri, 09 Oct 2026 02:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
