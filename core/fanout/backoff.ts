/** How often a retryable failure is tried again before the delivery is marked failed. */
export const MAX_ATTEMPTS = 5;
const BASE_MS = 2_000;
const CAP_MS = 10 * 60_000;

/**
 * Exponential backoff with "equal jitter": half fixed, half random, so a burst of failures
 * does not come back as a burst.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(CAP_MS, BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}
