/** China Standard Time days (no DST), whatever the server's zone. */
const CST_OFFSET_MS = 8 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/** `YYYY-MM-DD` of an instant in China Standard Time (the `day` of reaction records). */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The `count` China days ending with the one `now` falls on, oldest first. */
export function lastDays(now: Date, count: number): string[] {
  return Array.from({ length: count }, (_, i) => chinaDay(new Date(now.getTime() - (count - 1 - i) * DAY_MS)));
}

/** Every day from `first` to `last` inclusive (both `YYYY-MM-DD`), at most `max`, latest kept. */
export function daySpan(first: string, last: string, max: number): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${last}T00:00:00Z`); days.length < max && t >= Date.parse(`${first}T00:00:00Z`); t -= DAY_MS) {
    days.unshift(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
