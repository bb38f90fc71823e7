import type { DateString, WorkCalendar } from './types.ts';

/** 行政许可 and 行政处罚 decisions have the short clock; everything else the general one. */
export type Decision = 'license' | 'penalty';

/** 政府信息公开条例 第二十六条: within 20 working days of the information being formed or changed. */
export const GENERAL_WORKING_DAYS = 20;
/** 行政许可 and 行政处罚 decisions (双公示) must be public within 7 working days. */
export const DECISION_WORKING_DAYS = 7;

export interface DueDate {
  /** The last day on which publishing is still on time. */
  dueOn: DateString;
  /** The last instant of `dueOn` in China. */
  dueAt: Date;
  workingDays: 7 | 20;
  /** Years the count crossed with no official arrangement (Mon–Fri was assumed); warn when non-empty. */
  calendarGaps: number[];
}

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

export function dueDate(calendar: WorkCalendar, formedAt: DateString, decision?: Decision): DueDate {
  const workingDays = decision === undefined ? GENERAL_WORKING_DAYS : DECISION_WORKING_DAYS;
  if (decision !== undefined && decision !== 'license' && decision !== 'penalty') {
    throw new RangeError(`decision must be license or penalty, got ${JSON.stringify(decision)}`);
  }
  const dueOn = calendar.addWorkingDays(formedAt, workingDays);
  return {
    dueOn,
    // China has kept UTC+8 without daylight saving since 1991, so a fixed offset is exact.
    dueAt: new Date(`${dueOn}T23:59:59.999+08:00`),
    workingDays,
    calendarGaps: calendar.missingYears(formedAt, dueOn),
  };
}

/** The calendar date in China at `now`, whatever the server's own time zone. */
export function todayInChina(now: Date): DateString {
  const time = now.getTime();
  if (Number.isNaN(time)) throw new RangeError('now must be a valid Date');
  return new Date(time + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}
