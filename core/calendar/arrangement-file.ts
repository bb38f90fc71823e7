import { z } from 'zod';
import { ValidationError, type FieldProblem } from '../errors.ts';
import type { YearArrangement } from './types.ts';
import { isWeekend, parseDateString } from './work-calendar.ts';

const dateString = z
  .string({ error: 'must be a date written YYYY-MM-DD' })
  .refine((value) => parseDateString(value) !== null, { error: 'must be a real date written YYYY-MM-DD' });

/**
 * The file an admin loads when chinese-days lacks a year: the 国务院办公厅 notice, transcribed.
 * Unknown keys are rejected so that a misspelt `workday` cannot silently drop the make-up days.
 */
const year = z
  .number({ error: 'must be a year such as 2027' })
  .int({ error: 'must be a year such as 2027' })
  .min(2000, { error: 'must be a year from 2000 to 2100' })
  .max(2100, { error: 'must be a year from 2000 to 2100' });

const source = z
  .string({ error: 'must be text naming the notice' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });

export const arrangementFileSchema = z
  .strictObject(
    {
      year,
      holidays: z.array(dateString, { error: 'must be a list of dates' }).min(1, { error: 'must list at least one holiday' }),
      workdays: z.array(dateString, { error: 'must be a list of dates' }).default([]),
      source: source.optional(),
    },
    { error: 'must be a JSON object with year, holidays and workdays' },
  )
  .superRefine((file, ctx) => {
    const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const inYear = (date: string) => date.startsWith(`${file.year}-`);
    const holidays = new Set<string>();
    file.holidays.forEach((date, index) => {
      if (!inYear(date)) problem(['holidays', index], `must be a date in ${file.year}`);
      if (holidays.has(date)) problem(['holidays', index], 'is listed twice');
      holidays.add(date);
    });
    const workdays = new Set<string>();
    file.workdays.forEach((date, index) => {
      if (!inYear(date)) problem(['workdays', index], `must be a date in ${file.year}`);
      // A make-up day on a weekday changes nothing, so it is a typo for some other date.
      else if (parseDateString(date) && !isWeekend(date)) problem(['workdays', index], 'must be a Saturday or Sunday');
      if (holidays.has(date)) problem(['workdays', index], 'is also listed in holidays');
      if (workdays.has(date)) problem(['workdays', index], 'is listed twice');
      workdays.add(date);
    });
  });

export type ArrangementFile = YearArrangement & { source?: string };

function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'is not a known field' }))
      : [{ path: issue.path.join('.') || '(file)', message: issue.message }],
  );
}

/** Checks an arrangement from any source (a file, an API body); throws ValidationError naming each bad field. */
export function validateArrangement(value: unknown): ArrangementFile {
  const parsed = arrangementFileSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError('invalid calendar arrangement', fieldProblems(parsed.error));
  const { year, holidays, workdays, source } = parsed.data;
  return source === undefined ? { year, holidays, workdays } : { year, holidays, workdays, source };
}

export function parseArrangementFile(text: string): ArrangementFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`not valid JSON (${reason})`);
  }
  return validateArrangement(value);
}
