import type { Middleware } from 'koa';
import { AppError } from '../../core/errors.ts';

export class RateLimitedError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', 'too many requests; slow down');
  }
}

/**
 * A token bucket per client (IP behind the trusted proxy): `perMinute` requests a minute with
 * bursts up to the same number. In-process: each API process limits on its own.
 */
export function rateLimit(perMinute: number, maxClients = 50_000): Middleware {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return async (ctx, next) => {
    const now = Date.now();
    const key = ctx.ip;
    const bucket = buckets.get(key) ?? { tokens: perMinute, at: now };
    bucket.tokens = Math.min(perMinute, bucket.tokens + (now - bucket.at) * refillPerMs);
    bucket.at = now;
    if (bucket.tokens < 1) {
      const seconds = Math.ceil((1 - bucket.tokens) / refillPerMs / 1000);
      ctx.set('Retry-After', String(seconds));
      throw new RateLimitedError(seconds);
    }
    bucket.tokens -= 1;
    buckets.delete(key);
    buckets.set(key, bucket); // most recent last, so the oldest is evicted first
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
    await next();
  };
}
