import { describe, expect, it } from 'vitest';
import { createCalendarStore } from '../../core/calendar/calendar-store.ts';
import { sealedKeyId, sealKeys } from '../../core/crypto/sealed.ts';
import { createRequestDeps } from '../../core/requests/deps.ts';
import { resealRequests } from '../../core/requests/reseal.ts';
import { agencyRequestView } from '../../core/requests/views.ts';
import { TEST_DATA_KEYS } from '../helpers/data-keys.ts';
import { agencyWithKey } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { ID_A, requestBody, requestWorld } from './world.ts';

const { db, http, services } = await requestWorld('requests-reseal');
await agencyWithKey(db, 'bj-haidian-zjw');

describe('key rotation', () => {
  it('re-seals every request with the new key, reading the old one meanwhile', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await http().post('/api/v1/requests').send(requestBody('bj-haidian-zjw'))).body.receiptNumber);
    const rotated = sealKeys({ id: 'test2', key: Buffer.alloc(32, 9) }, [TEST_DATA_KEYS.current]);
    const calendar = createCalendarStore(db);
    const { deps } = createRequestDeps(db, calendar, { readModel: testReadModel().requests, keys: rotated });
    expect(await resealRequests(deps)).toEqual({ scanned: 2, resealed: 2 });
    expect(await resealRequests(deps)).toEqual({ scanned: 2, resealed: 0 });
    const doc = (await services.requests.store.get(ids[0]!))!;
    expect([doc.requester.name, doc.requester.idNumber, doc.requester.contact, doc.description].map(sealedKeyId)).toEqual(['test2', 'test2', 'test2', 'test2']);
    const newOnly = sealKeys({ id: 'test2', key: Buffer.alloc(32, 9) });
    expect(agencyRequestView(doc, newOnly, await calendar.current(), new Date()).requester).toMatchObject({ name: '张晓明', idNumber: `${ID_A.slice(0, 4)}**********${ID_A.slice(-4)}` });
  });
});
