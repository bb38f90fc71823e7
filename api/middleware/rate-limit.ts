import type { Context, Middleware } from 'koa';
import { AppError, AuthenticationError } from '../../core/errors.ts';

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'too many requests; slow down',
  ) {
    super(429, 'rate_limited', message);
  }
}

export interface RateLimitOptions {
  /** Buckets kept at most; the least recently used is dropped first. */
  maxClients?: number;
  /** Milliseconds since the epoch; tests inject a clock instead of sleeping. */
  now?: () => number;
}

/**
 * Token buckets: `perMinute` requests a minute per key, with bursts up to the same number.
 * Returns the whole seconds to wait when the key's bucket is empty. In-process: each API
 * process limits on its own.
 */
function tokenBuckets(perMinute: number, { maxClients = 50_000, now = Date.now }: RateLimitOptions) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const refillPerMs = perMinute / 60_000;
  return (key: string): number | undefined => {
    const at = now();
    const bucket = buckets.get(key) ?? { tokens: perMinute, at };
    // max(): a clock that steps back must not drain the bucket.
    bucket.tokens = Math.min(perMinute, bucket.tokens + Math.max(0, at - bucket.at) * refillPerMs);
    bucket.at = at;
    if (bucket.tokens < 1) return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
    bucket.tokens -= 1;
    buckets.delete(key);
    buckets.set(key, bucket); // most recent last, so the oldest is evicted first
    if (buckets.size > maxClients) buckets.delete(buckets.keys().next().value!);
    return undefined;
  };
}

/** A limit as middleware, with its buckets' `take` for a caller that has the key without a ctx. */
export type Limiter = Middleware & { take: (key: string) => number | undefined };

function limitBy(perMinute: number, options: RateLimitOptions, keyOf: (ctx: Context) => string | undefined, message?: string): Limiter {
  const take = tokenBuckets(perMinute, options);
  const middleware: Middleware = async (ctx, next) => {
    const key = keyOf(ctx);
    const wait = key === undefined ? undefined : take(key);
    if (wait !== undefined) throw new RateLimitedError(wait, message);
    await next();
  };
  return Object.assign(middleware, { take });
}

/** Public endpoints: per client (IP behind the trusted proxy). */
export function rateLimit(perMinute: number, options: RateLimitOptions = {}): Limiter {
  return limitBy(perMinute, options, (ctx) => ctx.ip);
}

/**
 * Agency endpoints: per API key, so one agency's runaway script cannot starve the others.
 * Runs after authentication (it needs `ctx.state.principal`).
 */
export function keyRateLimit(perMinute: number, options: RateLimitOptions = {}): Middleware {
  return limitBy(
    perMinute,
    options,
    (ctx) => (ctx.state.principal as { keyId?: string } | undefined)?.keyId,
    `too many requests for this API key (at most ${perMinute} a minute); slow down`,
  );
}

/**
 * Failed authentications per client: the per-key limit cannot count requests with no valid key,
 * and each costs a key lookup. A 401 that finds the client's budget of `perMinute` spent blocks
 * the client (429, without looking keys up) until the budget refills. Successful requests cost
 * nothing here.
 */
export function failedAuthLimit(perMinute: number, options: RateLimitOptions = {}): Middleware {
  const take = tokenBuckets(perMinute, options);
  const now = options.now ?? Date.now;
  const blocked = new Map<string, number>();
  return async (ctx, next) => {
    const until = blocked.get(ctx.ip);
    if (until !== undefined) {
      const wait = Math.ceil((until - now()) / 1000);
      if (wait > 0) throw new RateLimitedError(wait, 'too many failed authentications from this client; slow down');
      blocked.delete(ctx.ip);
    }
    try {
      await next();
    } catch (error) {
      if (error instanceof AuthenticationError) {
        const wait = take(ctx.ip);
        if (wait !== undefined) {
          blocked.set(ctx.ip, now() + wait * 1000);
          if (blocked.size > 50_000) blocked.delete(blocked.keys().next().value!);
        }
      }
      throw error;
    }
  };
}
