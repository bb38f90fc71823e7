import { setTimeout as sleep } from 'node:timers/promises';

export interface ThrottleOptions {
  /** Sends per second (token bucket refill); bursts up to one second's worth. */
  ratePerSecond: number;
  /** Sends in flight at once. */
  concurrency: number;
}

/**
 * Per channel and app id, in this process: a token bucket for the vendor's rate limits and a
 * concurrency cap so one slow vendor cannot tie up every socket.
 */
export function createThrottle({ ratePerSecond, concurrency }: ThrottleOptions) {
  let tokens = ratePerSecond;
  let refilledAt = Date.now();
  let inFlight = 0;
  const waiting: (() => void)[] = [];

  async function takeToken(): Promise<void> {
    for (;;) {
      const now = Date.now();
      tokens = Math.min(ratePerSecond, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) / ratePerSecond) * 1000));
    }
  }

  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      // A finishing task hands its slot straight to the next waiter, so the cap holds exactly.
      if (inFlight >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
      else inFlight++;
      try {
        await takeToken();
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else inFlight--;
      }
    },
    get inFlight() {
      return inFlight;
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
