import type { CalendarStore } from './calendar-store.ts';
import { todayInChina } from './due-date.ts';
import { packageYears } from './work-calendar.ts';

export interface CalendarYearStatus {
  year: number;
  /** `package`: chinese-days' own data; `loaded`: `npx gongkai calendar load` (it replaces the package's year). */
  origin: 'package' | 'loaded';
  source?: string;
  loadedAt?: Date;
  loadedBy?: string;
}

/**
 * Which years have an official holiday arrangement, and which of this year and next do not: a
 * due date counted into a missing year assumes Mon–Fri (no holidays, no 调休), so it may be wrong.
 */
export async function calendarStatus(store: CalendarStore, now: Date) {
  const [calendar, loaded] = await Promise.all([store.current(), store.loadedYears()]);
  const today = todayInChina(now);
  const thisYear = Number(today.slice(0, 4));
  const fromPackage = new Set(packageYears());
  const byYear = new Map(loaded.map((l) => [l.year, l]));
  const years: CalendarYearStatus[] = calendar.knownYears().map((year) => {
    const load = byYear.get(year);
    return load ? { ...load, origin: 'loaded' } : { year, origin: fromPackage.has(year) ? 'package' : 'loaded' };
  });
  const missingYears = calendar.missingYears(`${thisYear}-01-01`, `${thisYear + 1}-12-31`);
  return { today, thisYear, years, lastKnownYear: years.at(-1)?.year, missingYears };
}
