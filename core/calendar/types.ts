/** A calendar date in China, `YYYY-MM-DD`. */
export type DateString = string;

/**
 * One year's official arrangement (国务院办公厅关于某年部分节假日安排的通知): the statutory holidays
 * and the 调休 make-up working days that fall on weekends.
 */
export interface YearArrangement {
  year: number;
  /** Every day off that is not an ordinary Saturday or Sunday, plus weekend days inside holidays. */
  holidays: DateString[];
  /** Weekend days that are working days (调休). */
  workdays: DateString[];
}

export interface WorkCalendar {
  isWorkingDay(date: DateString): boolean;
  /**
   * The `days`-th working day after `date` (the start day itself never counts), e.g.
   * addWorkingDays('2026-09-25', 20) === '2026-10-29' across 中秋 and 国庆 2026.
   */
  addWorkingDays(date: DateString, days: number): DateString;
  /** Years between the two dates (inclusive) for which no official arrangement is known. */
  missingYears(from: DateString, to: DateString): number[];
  /** The years with an official arrangement, from the package or loaded by an admin. */
  knownYears(): number[];
}
