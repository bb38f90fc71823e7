import { describe, expect, it } from 'vitest';
import { createCalendarStore } from '../../core/calendar/calendar-store.ts';
import { createRequestSync } from '../../core/requests/request-store.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { requestBody, requestWorld } from './world.ts';

const { db, http, services, at } = await requestWorld('requests-sync');
const hd = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');

describe('the requests’ projection follows MongoDB', () => {
  it('rebuilds an empty read model from a scan, and applies a journal entry its writer left behind', async () => {
    at('2026-10-09T10:00:00+08:00');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await http().post('/api/v1/requests').send(requestBody('bj-haidian-zjw'))).body.receiptNumber);
    // A writer that died after its write and before applying it: the claim stays in the journal.
    const doc = (await services.requests.store.get(ids[0]!))!;
    await services.requests.store.journal.insertOne({ _id: `${doc._id}:2`, subject: doc._id, version: 2, at: new Date('2026-10-09T01:00:00Z'), by: 'dead', token: 'x' });
    await services.requests.store.docs.updateOne({ _id: doc._id }, { $set: { version: 2, assignee: '王五' } });

    const fresh = testReadModel();
    const sync = createRequestSync({ store: services.requests.store, readModel: fresh.requests, calendar: () => createCalendarStore(db).current(), now: () => new Date('2026-10-09T10:00:00+08:00') });
    await sync.catchUp();
    expect(await fresh.requests.isBuilt()).toBe(true);
    expect((await fresh.requests.listAgency('bj-haidian-zjw', { limit: 10 })).items.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect((await fresh.requests.get(doc._id))!.version).toBe(2);
    expect(await services.requests.store.journal.countDocuments({ _id: `${doc._id}:2` })).toBe(0);
    // The API's own read model catches up the same way.
    await services.requestSync.catchUp({ all: true });
    expect((await services.readModel.requests.get(doc._id))!.version).toBe(2);
    expect((await http().get('/api/v1/agency/requests').set(hd.auth)).body.items).toHaveLength(3);
  });
});
