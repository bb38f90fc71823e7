import { describe, expect, it } from 'vitest';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http, clock, services, logs } = await registryApp('due_dates', { now: new Date('2026-12-28T10:00:00+08:00') });
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');

describe('due dates on the official calendar', () => {
  it('warns and falls back to Mon–Fri when the coming year’s arrangement is missing', async () => {
    const res = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ formedAt: '2026-12-20' }));
    expect(res.status).toBe(201);
    // 20 Mon–Fri days after 2026-12-20 (2027 unknown to chinese-days): 元旦 is not skipped.
    expect(res.body.dueOn).toBe('2027-01-15');
    expect(res.body.calendarGaps).toEqual([2027]);
    expect(logs.some((line) => line.includes('no holiday arrangement loaded') && line.includes('2027'))).toBe(true);
    const ready = await http().get('/readyz');
    expect(ready.body.details.calendar.missingYears).toContain(2027);
    expect(ready.body.details.calendar.warning).toContain('npx gongkai calendar load');
  });

  it('uses a year an admin loaded, and reports nothing missing', async () => {
    await services.calendar.saveYear({
      year: 2027,
      holidays: ['2027-01-01', '2027-01-02', '2027-01-03'],
      workdays: [],
      source: 'test arrangement',
      loadedBy: 'test',
    });
    const res = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ formedAt: '2026-12-20' }));
    expect(res.body.dueOn).toBe('2027-01-18');
    expect(res.body.calendarGaps).toEqual([]);
  });

  it('lists the agency’s drafts nearing or past due, soonest first', async () => {
    clock.now = new Date('2027-01-14T10:00:00+08:00');
    const res = await http().get('/api/v1/compliance/pending?withinDays=5').set(haidian.auth);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i: { dueOn: string; overdue: boolean }) => [i.dueOn, i.overdue])).toEqual([
      ['2027-01-15', false],
      ['2027-01-18', false],
    ]);
    clock.now = new Date('2027-01-16T10:00:00+08:00');
    const later = await http().get('/api/v1/compliance/pending').set(haidian.auth);
    expect(later.body.items[0]).toMatchObject({ dueOn: '2027-01-15', overdue: true });
    const other = await agencyWithKey(db, 'bj-xicheng-zjw');
    expect((await http().get('/api/v1/compliance/pending').set(other.auth)).body.items).toEqual([]);
  });
});
