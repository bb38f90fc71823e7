import { describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../core/calendar/work-calendar.ts';
import { requestClock, type RequestEvent } from '../../core/requests/clock.ts';

/** The package's 2026 arrangement: 国庆 10-01…10-07, the 调休 Saturday 10-10 a working day. */
const calendar = createWorkCalendar();

const received = (on: string): RequestEvent[] => [
  { type: 'submitted', on, channel: 'web' },
  { type: 'received', on },
];

describe('the request clock on the 2026 calendar', () => {
  it('has the arrangement the tests rely on', () => {
    expect(calendar.isWorkingDay('2026-10-07')).toBe(false);
    expect(calendar.isWorkingDay('2026-10-10')).toBe(true); // Saturday, 调休
    expect(calendar.isWorkingDay('2026-10-11')).toBe(false);
  });

  it('waits for receipt: an online submission is not received until confirmed (第三十一条第（三）项)', () => {
    const clock = requestClock([{ type: 'submitted', on: '2026-09-30', channel: 'web' }], calendar);
    expect(clock).toMatchObject({ state: 'awaiting-receipt', extendedDays: 0 });
    expect(clock.dueOn).toBeUndefined();
  });

  it('is due 20 working days after a receipt the day before 国庆, counting the 调休 Saturday (第三十三条)', () => {
    // 10-08, 10-09, 10-10 (Sat), 10-12 … 10-30 (18), 11-02, 11-03.
    const clock = requestClock(received('2026-09-30'), calendar);
    expect(clock).toMatchObject({ state: 'in-progress', receivedOn: '2026-09-30', countFrom: '2026-09-30', dueOn: '2026-11-03', correctionAskBy: '2026-10-15' });
    expect(clock.dueAt!.toISOString()).toBe('2026-11-03T15:59:59.999Z');
  });

  it('restarts from the day the correction is received (第三十条)', () => {
    const events: RequestEvent[] = [
      ...received('2026-09-30'),
      { type: 'correction-requested', on: '2026-10-12', dueOn: '2026-10-23', items: '请说明所需信息的文号' },
    ];
    const waiting = requestClock(events, calendar);
    expect(waiting).toMatchObject({ state: 'awaiting-correction', correctionDueOn: '2026-10-23' });
    expect(waiting.dueOn).toBeUndefined();
    expect(waiting.correctionAskBy).toBeUndefined();
    // 20 working days after 10-20: 10-21 … 10-30 (8), 11-02 … 11-06 (13), 11-09 … 11-13 (18), 11-16, 11-17.
    const corrected = requestClock([...events, { type: 'corrected', on: '2026-10-20' }], calendar);
    expect(corrected).toMatchObject({ state: 'in-progress', countFrom: '2026-10-20', dueOn: '2026-11-17' });
    expect(corrected.correctionAskBy).toBeUndefined();
  });

  it('adds an extension of 20 working days (第三十三条第二款)', () => {
    const clock = requestClock([...received('2026-09-30'), { type: 'extended', on: '2026-10-28', days: 20, approver: '王主任', reason: '信息量大' }], calendar);
    // 11-04 … 11-06 (3), 11-09 … 11-27 (18), 11-30, 12-01.
    expect(clock).toMatchObject({ extendedDays: 20, dueOn: '2026-12-01' });
  });

  it('does not count a consultation, and has no due date while it is open (第三十三条第三款)', () => {
    const started: RequestEvent[] = [...received('2026-09-30'), { type: 'consultation-started', on: '2026-10-12', party: 'third-party' }];
    const open = requestClock(started, calendar);
    expect(open.state).toBe('consulting');
    expect(open.dueOn).toBeUndefined();
    // The third party has 15 working days (第三十二条): 10-13 … 10-16 (4), 10-19 … 10-30 (14), 11-02.
    expect(open.opinionDueOn).toBe('2026-11-02');
    // 10-13 … 10-16 are not counted (4 working days): 11-03 moves to 11-09.
    const ended = requestClock([...started, { type: 'consultation-ended', on: '2026-10-16' }], calendar);
    expect(ended).toMatchObject({ state: 'in-progress', dueOn: '2026-11-09', pausedWorkingDays: 4 });
  });

  it('says whether the answer was on time, the due day itself included', () => {
    const onTime = requestClock([...received('2026-09-30'), { type: 'decided', on: '2026-11-03', decision: 'disclosed' }], calendar);
    expect(onTime).toMatchObject({ state: 'decided', closedOn: '2026-11-03', onTime: true });
    const late = requestClock([...received('2026-09-30'), { type: 'decided', on: '2026-11-04', decision: 'disclosed' }], calendar);
    expect(late.onTime).toBe(false);
  });

  it('closes a request not corrected in time as abandoned, without an on-time figure', () => {
    const clock = requestClock(
      [...received('2026-09-30'), { type: 'correction-requested', on: '2026-10-09', dueOn: '2026-10-16', items: '补充身份证明' }, { type: 'abandoned', on: '2026-10-19' }],
      calendar,
    );
    expect(clock).toMatchObject({ state: 'abandoned', closedOn: '2026-10-19' });
    expect(clock.onTime).toBeUndefined();
  });

  it('counts a receipt on a 调休 Saturday from the next working day', () => {
    // Received 10-10 (a working Saturday): 10-12 … 10-16 (5), … 11-06 (20).
    expect(requestClock(received('2026-10-10'), calendar).dueOn).toBe('2026-11-06');
  });
});
