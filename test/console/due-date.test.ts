import { describe, expect, it } from 'vitest';
import { staffWorld } from './staff-world.ts';

const w = await staffWorld('due_date_live');
const { http } = w;

describe('GET /api/v1/due-date', () => {
  it('gives the due date creating the item would record, and says when it is already late', async () => {
    const q = (formedAt: string, itemType = 'allocation-result', field = 'housing') => http().get('/api/v1/due-date').query({ field, itemType, formedAt }).set(w.haidianKey.auth);
    const fresh = await q('2026-10-08');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toMatchObject({ dueOn: '2026-11-04', workingDays: 20, late: false, formedInFuture: false, calendarGaps: [] });
    const created = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send({
      field: 'housing', itemType: 'allocation-result', title: '海淀区到期日核对', region: '110108', formedAt: '2026-10-08', basis: 'implement',
      content: { projectName: '永丰家园', drawDate: '2026-10-07', results: [{ applicationNumber: 'HD2026-0001', outcome: 'waiting' }] },
    });
    expect(created.body.dueOn).toBe(fresh.body.dueOn);
    expect((await q('2026-08-03')).body).toMatchObject({ late: true });
    expect((await q('2026-10-20')).body).toMatchObject({ formedInFuture: true });
    const bad = await q('2026-10-08', 'no-such-type');
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields[0].path).toBe('itemType');
    expect((await http().get('/api/v1/due-date').query({ field: 'housing', itemType: 'allocation-result', formedAt: '2026-10-08' })).status).toBe(401);
  });
});
