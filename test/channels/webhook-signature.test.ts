import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../channels/webhook/signature.ts';

const secret = 'whsec-national-platform';
const now = new Date('2026-10-09T02:00:00Z');
const rawBody = JSON.stringify({ event: 'disclosure.published', key: 'd1:1', disclosure: { title: '配租结果公示' } });

describe('webhook signature', () => {
  it('is v1=hex HMAC-SHA256(secret, "<timestamp>.<raw body>") with unix-second timestamps', () => {
    const headers = signWebhook(secret, rawBody, now);
    const ts = String(now.getTime() / 1000);
    const expected = createHmac('sha256', secret).update(`${ts}.${rawBody}`, 'utf8').digest('hex');
    expect(headers).toEqual({ 'X-Gongkai-Timestamp': ts, 'X-Gongkai-Signature': `v1=${expected}` });
    expect(verifyWebhook({ secret, rawBody, headers, now })).toEqual({ ok: true, timestamp: Number(ts) });
  });

  it('reads headers in any letter case, from Node objects or fetch Headers, and the body as bytes', () => {
    const signed = signWebhook(secret, rawBody, now);
    const lower = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toLowerCase(), v]));
    expect(verifyWebhook({ secret, rawBody: Buffer.from(rawBody), headers: lower, now }).ok).toBe(true);
    expect(verifyWebhook({ secret, rawBody, headers: new Headers(signed), now }).ok).toBe(true);
  });

  it.each([
    ['a tampered body', { rawBody: rawBody.replace('配租', '配售') }, 'mismatch'],
    ['a wrong secret', { secret: 'guess' }, 'mismatch'],
    ['a timestamp over 5 minutes old', { now: new Date(now.getTime() + 301_000) }, 'too-old'],
    ['a timestamp from the future', { now: new Date(now.getTime() - 301_000) }, 'in-future'],
  ])('rejects %s', (_label, change, reason) => {
    const headers = signWebhook(secret, rawBody, now);
    expect(verifyWebhook({ secret, rawBody, headers, now, ...change })).toEqual({ ok: false, reason });
  });

  it('accepts the edge of the tolerance and a custom tolerance', () => {
    const headers = signWebhook(secret, rawBody, now);
    expect(verifyWebhook({ secret, rawBody, headers, now: new Date(now.getTime() + 300_000) }).ok).toBe(true);
    expect(verifyWebhook({ secret, rawBody, headers, now: new Date(now.getTime() + 61_000), toleranceSeconds: 60 })).toMatchObject({ reason: 'too-old' });
  });

  it('names missing and malformed headers', () => {
    const signed = signWebhook(secret, rawBody, now);
    const ts = signed['X-Gongkai-Timestamp'] ?? '';
    const sig = signed['X-Gongkai-Signature'] ?? '';
    const verify = (headers: Record<string, string>) => verifyWebhook({ secret, rawBody, headers, now });
    expect(verify({ 'X-Gongkai-Signature': sig })).toEqual({ ok: false, reason: 'missing-timestamp' });
    expect(verify({ 'X-Gongkai-Timestamp': ts })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(verify({ 'X-Gongkai-Timestamp': 'yesterday', 'X-Gongkai-Signature': sig })).toEqual({ ok: false, reason: 'bad-format' });
    expect(verify({ 'X-Gongkai-Timestamp': ts, 'X-Gongkai-Signature': sig.replace('v1=', 'sha256=') })).toEqual({ ok: false, reason: 'bad-format' });
    expect(verify({ 'X-Gongkai-Timestamp': ts, 'X-Gongkai-Signature': 'v1=abc' })).toEqual({ ok: false, reason: 'bad-format' });
  });

  it('supports rotation: several v1 values or several secrets', () => {
    const old = signWebhook('old-secret', rawBody, now)['X-Gongkai-Signature'];
    const cur = signWebhook(secret, rawBody, now);
    const both = { ...cur, 'X-Gongkai-Signature': `${old}, ${cur['X-Gongkai-Signature']}` };
    expect(verifyWebhook({ secret, rawBody, headers: both, now }).ok).toBe(true);
    expect(verifyWebhook({ secret: ['new-secret', secret], rawBody, headers: cur, now }).ok).toBe(true);
  });
});
