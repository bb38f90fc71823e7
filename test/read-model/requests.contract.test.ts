import { describe, expect, it } from 'vitest';
import { createMongoReadModel } from '../../core/read-model/mongo/mongo-read-model.ts';
import type { RequestReadModel, RequestRow } from '../../core/read-model/request-types.ts';
import { connectTestDb } from '../helpers/db.ts';
import { testReadModel } from '../helpers/read-model.ts';

const T0 = Date.parse('2026-01-05T02:00:00Z');
const row = (id: string, over: Partial<RequestRow> = {}): RequestRow => ({
  id,
  version: 1,
  agencyCode: 'hd',
  channel: 'web',
  requesterType: 'natural',
  state: 'in-progress',
  submittedAt: T0,
  extendedDays: 0,
  updatedAt: T0,
  ...over,
});

/** The rows: an agency's year, with a row of another agency and one never received. */
const ROWS: RequestRow[] = [
  row('Y20251229-AAAAAAA1', { submittedAt: T0 - 9e8, receivedOn: '2025-12-29', closedOn: '2026-01-06', state: 'decided', decision: 'disclosed', reportRow: 'disclosed', onTime: true }),
  row('Y20251230-AAAAAAA2', { submittedAt: T0 - 8e8, requesterType: 'commercial', receivedOn: '2025-12-30', closedOn: '2025-12-31', state: 'decided', decision: 'disclosed', reportRow: 'disclosed', onTime: true }),
  row('Y20260302-AAAAAAA3', { submittedAt: T0 + 1e9, receivedOn: '2026-03-02', dueOn: '2026-03-30', closedOn: '2026-04-01', state: 'decided', decision: 'not-disclosed', reason: 'state-secret', reportRow: 'not-disclosed/state-secret', onTime: false }),
  row('Y20261009-AAAAAAA4', { submittedAt: T0 + 2e9, requesterType: 'research', receivedOn: '2026-10-09', correctionDueOn: '2026-10-23', state: 'awaiting-correction', residentId: 'r1' }),
  row('Y20261228-AAAAAAA5', { submittedAt: T0 + 3e9, receivedOn: '2026-12-28', dueOn: '2027-01-27', dueAt: Date.parse('2027-01-27T15:59:59.999Z'), residentId: 'r1' }),
  row('Y20261231-AAAAAAA6', { submittedAt: T0 + 4e9, state: 'awaiting-receipt', residentId: 'r2' }),
  row('Y20260506-BBBBBBB1', { agencyCode: 'hp', submittedAt: T0 + 5e8, receivedOn: '2026-05-06', closedOn: '2026-05-07', state: 'decided', decision: 'cannot-provide', reason: 'not-held', reportRow: 'cannot-provide/not-held', onTime: true }),
];

function requestsContract(name: string, make: () => Promise<RequestReadModel>) {
  describe(`requests projection: ${name}`, async () => {
    const model = await make();
    await model.apply(ROWS);

    it('applies a row only when its version is newer', async () => {
      expect(await model.apply([row('Y20251229-AAAAAAA1', { version: 1, state: 'stale' })])).toBe(0);
      expect((await model.get('Y20251229-AAAAAAA1'))!.state).toBe('decided');
      expect(await model.apply([{ ...(await model.get('Y20261228-AAAAAAA5'))!, version: 2, extendedDays: 5 }])).toBe(1);
      expect((await model.get('Y20261228-AAAAAAA5'))!.extendedDays).toBe(5);
      expect(await model.get('Y20990101-NOTHERE0')).toBeUndefined();
    });

    it('lists an agency’s requests newest first, paged, open ones alone on asking', async () => {
      const first = await model.listAgency('hd', { limit: 4 });
      expect(first.items.map((r) => r.id)).toEqual(['Y20261231-AAAAAAA6', 'Y20261228-AAAAAAA5', 'Y20261009-AAAAAAA4', 'Y20260302-AAAAAAA3']);
      const rest = await model.listAgency('hd', { limit: 4, cursor: first.nextCursor! });
      expect([rest.items.map((r) => r.id), rest.nextCursor]).toEqual([['Y20251230-AAAAAAA2', 'Y20251229-AAAAAAA1'], null]);
      expect((await model.listAgency('hd', { limit: 10, open: true })).items.map((r) => r.id)).toEqual(['Y20261231-AAAAAAA6', 'Y20261228-AAAAAAA5', 'Y20261009-AAAAAAA4']);
      await expect(model.listAgency('hd', { limit: 4, cursor: 'nonsense' })).rejects.toMatchObject({ status: 400 });
    });

    it('lists a resident’s own requests only', async () => {
      expect((await model.listResident('r1', 10)).map((r) => r.id)).toEqual(['Y20261228-AAAAAAA5', 'Y20261009-AAAAAAA4']);
      expect((await model.listResident('r3', 10))).toEqual([]);
    });

    it('finds what needs the agency: due by the horizon, waiting on receipt or a correction', async () => {
      expect((await model.pending('hd', '2027-01-20', 10)).map((r) => r.id)).toEqual(['Y20261009-AAAAAAA4', 'Y20261231-AAAAAAA6']);
      expect((await model.pending('hd', '2027-01-27', 10)).map((r) => r.id)).toEqual(['Y20261228-AAAAAAA5', 'Y20261009-AAAAAAA4', 'Y20261231-AAAAAAA6']);
      expect(await model.pending('hp', '2027-12-31', 10)).toEqual([]);
    });

    it('counts a year for the report', async () => {
      const sorted = <T extends { agencyCode: string; requesterType: string }>(list: T[]) => [...list].sort((a, b) => `${a.agencyCode}${a.requesterType}`.localeCompare(`${b.agencyCode}${b.requesterType}`));
      const hd = await model.report('2026-01-01', '2026-12-31', 'hd');
      expect(sorted(hd.received)).toEqual([
        { agencyCode: 'hd', requesterType: 'natural', count: 2 },
        { agencyCode: 'hd', requesterType: 'research', count: 1 },
      ]);
      expect(hd.carriedIn).toEqual([{ agencyCode: 'hd', requesterType: 'natural', count: 1 }]);
      expect([...hd.closed].sort((a, b) => a.reportRow.localeCompare(b.reportRow))).toEqual([
        { agencyCode: 'hd', requesterType: 'natural', reportRow: 'disclosed', onTime: true, count: 1 },
        { agencyCode: 'hd', requesterType: 'natural', reportRow: 'not-disclosed/state-secret', onTime: false, count: 1 },
      ]);
      expect(sorted(hd.carriedOut)).toEqual([
        { agencyCode: 'hd', requesterType: 'natural', count: 1 },
        { agencyCode: 'hd', requesterType: 'research', count: 1 },
      ]);
      const all = await model.report('2026-01-01', '2026-12-31');
      expect(all.received.reduce((n, c) => n + c.count, 0)).toBe(4);
      expect(all.closed.find((c) => c.agencyCode === 'hp')).toEqual({ agencyCode: 'hp', requesterType: 'natural', reportRow: 'cannot-provide/not-held', onTime: true, count: 1 });
    });

    it('remembers being built', async () => {
      expect(await model.isBuilt()).toBe(false);
      await model.markBuilt();
      expect(await model.isBuilt()).toBe(true);
    });
  });
}

requestsContract('SQLite', async () => testReadModel().requests);
requestsContract('MongoDB', async () => (await createMongoReadModel((await connectTestDb('read_model_requests')).db!)).requests);
