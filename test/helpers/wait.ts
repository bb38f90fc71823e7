import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls until `check` returns a value that passes `done`, or gives up after `limitMs`
 * with the last value in the error. A bound on waiting, not an assertion about speed.
 */
export async function waitFor<T>(check: () => Promise<T>, done: (value: T) => boolean, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  let last: T = await check();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(last)}`);
    await sleep(100);
    last = await check();
  }
  return last;
}
