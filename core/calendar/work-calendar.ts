import packageData from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import type { DateString, WorkCalendar, YearArrangement } from './types.ts';

/*
 * Dates are handled as whole days since 1970-01-01 (proleptic Gregorian), never as Date
 * objects: a DateString is a day in China, and going through Date would let the host's time
 * zone (or Date.UTC's two-digit-year quirk) shift it.
 */

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Upper bound on `addWorkingDays`: legal clocks count weeks, not decades; larger means a bug. */
export const MAX_WORKING_DAYS = 3_660;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Year, month and day of a real `YYYY-MM-DD` date, or null for anything else. */
export function parseDateString(value: unknown): { year: number; month: number; day: number } | null {
  if (typeof value !== 'string') return null;
  const match = DATE_PATTERN.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

// Howard Hinnant's days_from_civil / civil_from_days.
function toDayNumber(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function fromDayNumber(dayNumber: number): DateString {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function dayNumberOf(date: DateString, label = 'date'): number {
  const parsed = parseDateString(date);
  if (!parsed) throw new RangeError(`${label} must be a real date written YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return toDayNumber(parsed.year, parsed.month, parsed.day);
}

/** 0 = Sunday … 6 = Saturday, as Date#getUTCDay. */
export function dayOfWeek(date: DateString): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumberOf(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: DateString): boolean {
  const weekday = dayOfWeek(date);
  return weekday === 0 || weekday === 6;
}

function yearOf(date: DateString): number {
  return Number(date.slice(0, 4));
}

/** chinese-days' own data, regrouped by year so a loaded year can replace the package's whole. */
function packageArrangements(): Map<number, YearArrangement> {
  const byYear = new Map<number, YearArrangement>();
  const entry = (year: number) => {
    let arrangement = byYear.get(year);
    if (!arrangement) byYear.set(year, (arrangement = { year, holidays: [], workdays: [] }));
    return arrangement;
  };
  const data = packageData as { holidays: Record<string, string>; workdays: Record<string, string> };
  for (const date of Object.keys(data.holidays)) entry(yearOf(date)).holidays.push(date);
  for (const date of Object.keys(data.workdays)) entry(yearOf(date)).workdays.push(date);
  return byYear;
}

const PACKAGE_ARRANGEMENTS = packageArrangements();

/** The years chinese-days itself knows, without anything an admin loaded. */
export function packageYears(): number[] {
  return [...PACKAGE_ARRANGEMENTS.keys()].sort((a, b) => a - b);
}

function checkArrangement(arrangement: YearArrangement): void {
  const { year } = arrangement;
  if (!Number.isInteger(year)) throw new RangeError(`arrangement year must be a whole number, got ${year}`);
  for (const date of [...arrangement.holidays, ...arrangement.workdays]) {
    dayNumberOf(date, `arrangement ${year} date`);
    if (yearOf(date) !== year) throw new RangeError(`arrangement ${year} lists ${date}, which is outside that year`);
  }
}

/**
 * The official working-day calendar: chinese-days' data, with each year in `loaded` replacing
 * that year entirely (an admin's newer notice wins over the package), and plain Mon–Fri for
 * years nobody knows — reported by missingYears so callers can warn instead of guessing silently.
 */
export function createWorkCalendar(loaded: YearArrangement[] = []): WorkCalendar {
  const arrangements = new Map(PACKAGE_ARRANGEMENTS);
  for (const arrangement of loaded) {
    checkArrangement(arrangement);
    arrangements.set(arrangement.year, arrangement);
  }
  const holidays = new Set<number>();
  const workdays = new Set<number>();
  for (const arrangement of arrangements.values()) {
    for (const date of arrangement.holidays) holidays.add(dayNumberOf(date));
    for (const date of arrangement.workdays) workdays.add(dayNumberOf(date));
  }
  const known = [...arrangements.keys()].sort((a, b) => a - b);

  const working = (dayNumber: number): boolean => {
    if (workdays.has(dayNumber)) return true;
    if (holidays.has(dayNumber)) return false;
    const weekday = (((dayNumber + 4) % 7) + 7) % 7;
    return weekday !== 0 && weekday !== 6;
  };

  return {
    isWorkingDay: (date) => working(dayNumberOf(date)),

    addWorkingDays(date, days) {
      let dayNumber = dayNumberOf(date);
      if (!Number.isInteger(days) || days < 0 || days > MAX_WORKING_DAYS) {
        throw new RangeError(`days must be a whole number from 0 to ${MAX_WORKING_DAYS}, got ${days}`);
      }
      for (let counted = 0; counted < days; ) {
        dayNumber += 1;
        if (working(dayNumber)) counted += 1;
      }
      return fromDayNumber(dayNumber);
    },

    missingYears(from, to) {
      const [start, end] = [dayNumberOf(from, 'from'), dayNumberOf(to, 'to')];
      if (end < start) throw new RangeError(`to (${to}) is before from (${from})`);
      const missing: number[] = [];
      for (let year = yearOf(from); year <= yearOf(to); year += 1) {
        if (!arrangements.has(year)) missing.push(year);
      }
      return missing;
    },

    knownYears: () => [...known],
  };
}
