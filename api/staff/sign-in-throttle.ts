/**
 * Failed sign-ins, counted per account (the username typed, known or not) and per client
 * address in a sliding window. Past the limit, sign-in answers 429 with Retry-After until the
 * oldest failure in the window ages out, without checking the password (no scrypt spent).
 * A success clears the account's count, not the address's. In-process, like the other rate
 * limits: with several API processes each counts on its own.
 */
export interface ThrottleOptions {
  perAccount?: number;
  perAddress?: number;
  windowMs?: number;
  now?: () => number;
  /** Entries kept at most per kind; the least recently failed is dropped first. */
  maxEntries?: number;
}

export function createSignInThrottle({ perAccount = 5, perAddress = 20, windowMs = 15 * 60_000, now = Date.now, maxEntries = 50_000 }: ThrottleOptions = {}) {
  const accounts = new Map<string, number[]>();
  const addresses = new Map<string, number[]>();
  const recent = (map: Map<string, number[]>, key: string, at: number) => {
    const kept = (map.get(key) ?? []).filter((t) => t > at - windowMs);
    if (kept.length) map.set(key, kept);
    else map.delete(key);
    return kept;
  };
  const wait = (failures: number[], limit: number, at: number) =>
    failures.length >= limit ? Math.max(1, Math.ceil((failures[failures.length - limit]! + windowMs - at) / 1000)) : undefined;
  const add = (map: Map<string, number[]>, key: string, at: number) => {
    const list = recent(map, key, at);
    list.push(at);
    map.delete(key);
    map.set(key, list);
    if (map.size > maxEntries) map.delete(map.keys().next().value!);
  };
  return {
    perAccount,
    perAddress,
    /** Seconds to wait before this account may be tried from this address, or undefined. */
    check(username: string, address: string): number | undefined {
      const at = now();
      const a = wait(recent(accounts, username, at), perAccount, at);
      const b = wait(recent(addresses, address, at), perAddress, at);
      return a === undefined ? b : b === undefined ? a : Math.max(a, b);
    },
    failed(username: string, address: string): void {
      const at = now();
      add(accounts, username, at);
      add(addresses, address, at);
    },
    succeeded(username: string): void {
      accounts.delete(username);
    },
  };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
