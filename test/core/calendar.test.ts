import chineseDays from 'chinese-days';
import { describe, expect, it } from 'vitest';
import { parseArrangementFile } from '../../core/calendar/arrangement-file.ts';
import { dueDate, todayInChina } from '../../core/calendar/due-date.ts';
import type { YearArrangement } from '../../core/calendar/types.ts';
import { createWorkCalendar, packageYears } from '../../core/calendar/work-calendar.ts';
import { ValidationError } from '../../core/errors.ts';

/** A plausible 2027 notice (the real one is not out yet); the dates only need to be internally sound. */
const ARRANGEMENT_2027: YearArrangement = {
  year: 2027,
  holidays: [
    ...['2027-01-01', '2027-01-02', '2027-01-03'],
    ...['2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-13'],
    ...['2027-04-03', '2027-04-04', '2027-04-05'],
    ...['2027-05-01', '2027-05-02', '2027-05-03', '2027-05-04', '2027-05-05'],
    ...['2027-06-09'],
    ...['2027-09-15'],
    ...['2027-10-01', '2027-10-02', '2027-10-03', '2027-10-04', '2027-10-05', '2027-10-06', '2027-10-07'],
  ],
  workdays: ['2027-02-20', '2027-04-25', '2027-09-26', '2027-10-09'],
};

const calendar = createWorkCalendar();

describe('createWorkCalendar with chinese-days data', () => {
  it('counts across 中秋 and 国庆 2026 as chinese-days does', () => {
    expect(calendar.addWorkingDays('2026-09-25', 20)).toBe('2026-10-29');
    expect(calendar.addWorkingDays('2026-09-30', 7)).toBe('2026-10-15');
    expect(chineseDays.findWorkday(20, '2026-09-25')).toBe('2026-10-29');
  });

  it('agrees with chinese-days on every day of 2025 and 2026', () => {
    const disagreements: string[] = [];
    for (let date = '2025-01-01'; date <= '2026-12-31'; date = nextDay(date)) {
      if (calendar.isWorkingDay(date) !== chineseDays.isWorkday(date)) disagreements.push(date);
    }
    expect(disagreements).toEqual([]);
  });

  it('knows 调休 make-up days, holidays and plain weekends', () => {
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday, make-up day
    expect(calendar.isWorkingDay('2026-10-05')).toBe(false); // Monday, 国庆
    expect(calendar.isWorkingDay('2026-09-25')).toBe(false); // Friday, 中秋
    expect(calendar.isWorkingDay('2026-11-07')).toBe(false); // plain Saturday
    expect(calendar.isWorkingDay('2026-11-08')).toBe(false); // plain Sunday
    expect(calendar.isWorkingDay('2026-11-09')).toBe(true); // plain Monday
  });

  it('never counts the start day, and 0 days is the start day itself', () => {
    expect(calendar.addWorkingDays('2026-11-09', 1)).toBe('2026-11-10');
    expect(calendar.addWorkingDays('2026-11-06', 1)).toBe('2026-11-09');
    expect(calendar.addWorkingDays('2026-11-07', 0)).toBe('2026-11-07');
  });

  it('lists the package years, which run through 2026', () => {
    expect(packageYears()[0]).toBe(2004);
    expect(calendar.knownYears()).toContain(2026);
    expect(calendar.knownYears()).not.toContain(2027);
    expect(calendar.missingYears('2026-01-01', '2026-12-31')).toEqual([]);
  });
});

describe('a year with no arrangement', () => {
  it('falls back to Monday–Friday and is reported', () => {
    expect(calendar.isWorkingDay('2027-01-01')).toBe(true); // Friday; 元旦 unknown
    expect(calendar.isWorkingDay('2027-01-02')).toBe(false);
    expect(calendar.missingYears('2026-06-01', '2028-03-01')).toEqual([2027, 2028]);
  });

  it('shows up as a gap in the due date when the count crosses into it', () => {
    const due = dueDate(calendar, '2026-12-20');
    expect(due).toMatchObject({ dueOn: '2027-01-15', workingDays: 20, calendarGaps: [2027] });
    expect(dueDate(calendar, '2026-09-25').calendarGaps).toEqual([]);
  });

  it('is filled by a loaded arrangement, which moves the due date and clears the gap', () => {
    const loaded = createWorkCalendar([ARRANGEMENT_2027]);
    expect(loaded.isWorkingDay('2027-01-01')).toBe(false);
    expect(loaded.isWorkingDay('2027-02-20')).toBe(true);
    expect(loaded.knownYears()).toContain(2027);
    expect(dueDate(loaded, '2026-12-20')).toMatchObject({ dueOn: '2027-01-18', calendarGaps: [] });
    // The package's own years are untouched.
    expect(loaded.addWorkingDays('2026-09-25', 20)).toBe('2026-10-29');
  });

  it('lets a loaded year replace the package data for that year', () => {
    const override = createWorkCalendar([{ year: 2026, holidays: ['2026-11-09'], workdays: [] }]);
    expect(override.isWorkingDay('2026-11-09')).toBe(false);
    expect(override.isWorkingDay('2026-10-05')).toBe(true);
  });
});

describe('dueDate', () => {
  it('gives 行政处罚 and 行政许可 decisions 7 working days', () => {
    expect(dueDate(calendar, '2026-09-30', 'penalty')).toMatchObject({ dueOn: '2026-10-15', workingDays: 7 });
    expect(dueDate(calendar, '2026-09-30', 'license').dueOn).toBe('2026-10-15');
    expect(dueDate(calendar, '2026-09-30').dueOn).toBe(calendar.addWorkingDays('2026-09-30', 20));
  });

  it('ends at 23:59:59.999 China time on the due day', () => {
    const { dueAt } = dueDate(calendar, '2026-09-30', 'penalty');
    expect(dueAt.toISOString()).toBe('2026-10-15T15:59:59.999Z');
    expect(todayInChina(dueAt)).toBe('2026-10-15');
    expect(todayInChina(new Date(dueAt.getTime() + 1))).toBe('2026-10-16');
  });
});

describe('todayInChina', () => {
  it('turns over at midnight UTC+8, not UTC', () => {
    expect(todayInChina(new Date('2026-10-15T15:59:59.999Z'))).toBe('2026-10-15');
    expect(todayInChina(new Date('2026-10-15T16:00:00.000Z'))).toBe('2026-10-16');
    expect(todayInChina(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });
});

describe('bad input', () => {
  it.each(['2026-02-30', '2026-13-01', '2026-9-1', '20260901', '', 'today'])('rejects the date %j', (date) => {
    expect(() => calendar.isWorkingDay(date)).toThrow(RangeError);
    expect(() => calendar.addWorkingDays(date, 1)).toThrow(RangeError);
    expect(() => dueDate(calendar, date)).toThrow(RangeError);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9])('rejects %s working days', (days) => {
    expect(() => calendar.addWorkingDays('2026-09-25', days)).toThrow(RangeError);
  });

  it('rejects ranges that run backwards, invalid clocks and unknown decisions', () => {
    expect(() => calendar.missingYears('2027-01-01', '2026-01-01')).toThrow(RangeError);
    expect(() => todayInChina(new Date('nonsense'))).toThrow(RangeError);
    expect(() => dueDate(calendar, '2026-09-30', 'fine' as 'penalty')).toThrow(RangeError);
  });

  it('rejects a loaded arrangement with dates outside its year', () => {
    expect(() => createWorkCalendar([{ year: 2027, holidays: ['2026-12-31'], workdays: [] }])).toThrow(RangeError);
    expect(() => createWorkCalendar([{ year: 2027, holidays: ['2027-02-29'], workdays: [] }])).toThrow(RangeError);
  });
});

describe('parseArrangementFile', () => {
  const fileText = (value: unknown) => JSON.stringify(value);

  function problems(text: string) {
    try {
      parseArrangementFile(text);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fields;
    }
    throw new Error('expected a ValidationError');
  }

  it('accepts a well-formed notice and keeps its source', () => {
    const parsed = parseArrangementFile(fileText({ ...ARRANGEMENT_2027, source: '国办发明电〔2026〕7号' }));
    expect(parsed).toEqual({ ...ARRANGEMENT_2027, source: '国办发明电〔2026〕7号' });
    expect(parseArrangementFile(fileText({ year: 2027, holidays: ['2027-01-01'] })).workdays).toEqual([]);
  });

  it('names the path of each bad date', () => {
    const text = fileText({
      year: 2027,
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-02-30', '2026-12-31'],
      workdays: ['2027-02-08', '2027-01-02'],
    });
    expect(problems(text)).toEqual([
      { path: 'holidays.3', message: 'must be a real date written YYYY-MM-DD' },
      { path: 'holidays.4', message: 'must be a date in 2027' },
      { path: 'workdays.0', message: 'must be a Saturday or Sunday' },
      { path: 'workdays.1', message: 'is also listed in holidays' },
    ]);
  });

  it('requires holidays and a whole-number year, and rejects unknown fields', () => {
    expect(problems(fileText({ year: 2027, holidays: [] }))).toEqual([
      { path: 'holidays', message: 'must list at least one holiday' },
    ]);
    expect(problems(fileText({ year: '2027', holidays: ['2027-01-01'] }))[0]?.path).toBe('year');
    expect(problems(fileText({ year: 2027, holidays: ['2027-01-01'], workday: ['2027-02-20'] }))).toEqual([
      { path: 'workday', message: 'is not a known field' },
    ]);
  });

  it('rejects text that is not JSON or not an object', () => {
    expect(() => parseArrangementFile('{"year": 2027,')).toThrow(/not valid JSON/);
    expect(problems('[]')).toEqual([{ path: '(file)', message: 'must be a JSON object with year, holidays and workdays' }]);
  });
});

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
