import type { DateString, WorkCalendar } from '../calendar/types.ts';

/**
 * The statutory clock of one information request, as a pure function of its events
 * (政府信息公开条例 第三十条 to 第三十三条), so that each rule is tested on real calendar edges:
 *
 * - the answer is due 20 working days after the day of receipt (第三十三条第二款), counted from the
 *   next day on the official calendar (holidays and 调休 included);
 * - a correction (补正) must be asked for within 7 working days of receipt, all at once; the
 *   20 days then run from the day the corrected request is received (第三十条);
 * - an extension of at most 20 working days, approved by the head of the agency's
 *   政府信息公开工作机构, adds to the count (第三十三条第二款);
 * - the time a third party or another agency takes to give its opinion is not counted
 *   (第三十三条第三款, 第三十二条): working days after the day the consultation was sent, up to
 *   and including the day the opinion came back, are skipped.
 */
export type RequestEvent =
  | { type: 'submitted'; on: DateString; channel: string }
  | { type: 'received'; on: DateString }
  | { type: 'assigned'; on: DateString; assignee: string }
  | { type: 'correction-requested'; on: DateString; dueOn: DateString; items: string }
  | { type: 'corrected'; on: DateString }
  | { type: 'consultation-started'; on: DateString; party: 'third-party' | 'agency'; note?: string }
  | { type: 'consultation-ended'; on: DateString }
  | { type: 'extended'; on: DateString; days: number; approver: string; reason: string }
  | { type: 'decided'; on: DateString; decision: string; reason?: string }
  | { type: 'abandoned'; on: DateString };

export type RequestState = 'awaiting-receipt' | 'in-progress' | 'awaiting-correction' | 'consulting' | 'decided' | 'abandoned';

export const ANSWER_WORKING_DAYS = 20;
export const MAX_EXTENSION_WORKING_DAYS = 20;
export const CORRECTION_REQUEST_WORKING_DAYS = 7;

export interface RequestClock {
  state: RequestState;
  /** 收到申请之日 (第三十一条). */
  receivedOn?: DateString;
  /** The last day a correction may be asked for, while none has been. */
  correctionAskBy?: DateString;
  /** The last day the requester was given to correct, while a correction is awaited. */
  correctionDueOn?: DateString;
  /** The day the 20 working days count from: receipt, or receipt of the correction. */
  countFrom?: DateString;
  extendedDays: number;
  /** Working days not counted (consultations). */
  pausedWorkingDays: number;
  /** The last day to answer on time; absent before receipt, while a correction is awaited, or while a consultation is open. */
  dueOn?: DateString;
  /** The end of `dueOn` in China. */
  dueAt?: Date;
  closedOn?: DateString;
  /** Answered at or before `dueOn` (decided requests only). */
  onTime?: boolean;
  /** Years the count crossed without an official arrangement (Mon–Fri assumed). */
  calendarGaps: number[];
  /**
   * While a third party is consulted: the last day of its 15 working days to give an opinion
   * (第三十二条); after it the agency decides without one.
   */
  opinionDueOn?: DateString;
}

export const THIRD_PARTY_WORKING_DAYS = 15;

interface Pause {
  from: DateString;
  /** Inclusive; absent while the consultation is open. */
  to?: DateString;
}

export function requestClock(events: readonly RequestEvent[], calendar: WorkCalendar): RequestClock {
  let state: RequestState = 'awaiting-receipt';
  let receivedOn: DateString | undefined;
  let countFrom: DateString | undefined;
  let correctionDueOn: DateString | undefined;
  let corrections = 0;
  let extendedDays = 0;
  let closedOn: DateString | undefined;
  let pauses: Pause[] = [];
  let thirdParty: DateString | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'received':
        receivedOn ??= event.on;
        countFrom ??= event.on;
        if (state === 'awaiting-receipt') state = 'in-progress';
        break;
      case 'correction-requested':
        corrections++;
        correctionDueOn = event.dueOn;
        state = 'awaiting-correction';
        break;
      case 'corrected':
        // The count starts again: time before the correction, pauses included, no longer matters.
        countFrom = event.on;
        correctionDueOn = undefined;
        pauses = [];
        state = 'in-progress';
        break;
      case 'consultation-started':
        pauses.push({ from: event.on });
        thirdParty = event.party === 'third-party' ? event.on : undefined;
        state = 'consulting';
        break;
      case 'consultation-ended': {
        const open = pauses.at(-1);
        if (open && !open.to) open.to = event.on;
        state = 'in-progress';
        break;
      }
      case 'extended':
        extendedDays += event.days;
        break;
      case 'decided':
        closedOn = event.on;
        state = 'decided';
        break;
      case 'abandoned':
        closedOn = event.on;
        state = 'abandoned';
        break;
      default:
        break;
    }
  }
  const clock: RequestClock = { state, extendedDays, pausedWorkingDays: 0, calendarGaps: [] };
  if (receivedOn) clock.receivedOn = receivedOn;
  if (countFrom) clock.countFrom = countFrom;
  if (closedOn) clock.closedOn = closedOn;
  if (receivedOn && corrections === 0 && (state === 'in-progress' || state === 'consulting')) {
    clock.correctionAskBy = calendar.addWorkingDays(receivedOn, CORRECTION_REQUEST_WORKING_DAYS);
  }
  if (state === 'awaiting-correction' && correctionDueOn) clock.correctionDueOn = correctionDueOn;
  const counting = countFrom && state !== 'awaiting-correction' && !(state === 'abandoned');
  // A decision made while a consultation was open closes it on the decision day.
  if (counting && state === 'decided') for (const p of pauses) p.to ??= closedOn;
  if (counting && pauses.every((p) => p.to)) {
    const { dueOn, paused } = countWorkingDays(calendar, countFrom!, ANSWER_WORKING_DAYS + extendedDays, pauses);
    clock.dueOn = dueOn;
    clock.dueAt = endOfDayInChina(dueOn);
    clock.pausedWorkingDays = paused;
    clock.calendarGaps = calendar.missingYears(countFrom!, dueOn);
    if (state === 'decided') clock.onTime = closedOn! <= dueOn;
  } else if (counting) {
    clock.pausedWorkingDays = pauses.length;
    // Counted from the day the consultation was sent, a stand-in for the day the third party received it.
    if (thirdParty) clock.opinionDueOn = calendar.addWorkingDays(thirdParty, THIRD_PARTY_WORKING_DAYS);
  }
  return clock;
}

/** The `days`-th counted working day after `from`, skipping working days inside the pauses. */
function countWorkingDays(calendar: WorkCalendar, from: DateString, days: number, pauses: Pause[]): { dueOn: DateString; paused: number } {
  let day = from;
  let paused = 0;
  for (let counted = 0; counted < days; ) {
    day = calendar.addWorkingDays(day, 1);
    if (pauses.some((p) => day > p.from && day <= p.to!)) paused++;
    else counted++;
  }
  return { dueOn: day, paused };
}

export function endOfDayInChina(day: DateString): Date {
  return new Date(`${day}T23:59:59.999+08:00`);
}
