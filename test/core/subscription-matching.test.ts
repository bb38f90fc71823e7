import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { subscriptionBatches } from '../../core/fanout/recipients.ts';
import type { DisclosureRecord } from '../../core/models/disclosure.model.ts';
import { createSubscription, type SubscriptionInput } from '../../core/subscriptions/subscriptions.ts';
import { upsertSubscriber } from '../../core/subscriptions/subscribers.ts';
import { indexTokens } from '../../core/disclosures/search-tokens.ts';
import { connectTestDb } from '../helpers/db.ts';

const db = await connectTestDb('matching');

/** A published allocation result as the fan-out sees it (only the fields matching reads). */
const disclosure = {
  _id: new Types.ObjectId(),
  field: 'housing',
  itemType: 'allocation-result',
  regionPath: ['11', '1101', '110108'],
  agencyCode: 'bj-haidian-zjw',
  projectCode: 'BJHD-2026-017',
  applicationNumbers: ['HD2026-0001', 'HD2026-0002'],
  searchTokens: indexTokens(['海淀区公共租赁住房摇号分配结果公示']),
} as unknown as DisclosureRecord;

const cases: [string, SubscriptionInput, boolean][] = [
  ['field', { field: 'housing' }, true],
  ['another field', { field: 'land' }, false],
  ['item type', { field: 'housing', itemType: 'allocation-result' }, true],
  ['another item type', { itemType: 'annual-plan' }, false],
  ['the province', { region: '110000' }, true],
  ['the city', { region: '110100' }, true],
  ['the district', { region: '110108' }, true],
  ['another district', { region: '110105' }, false],
  ['another province', { region: '310000' }, false],
  ['agency', { agency: 'bj-haidian-zjw' }, true],
  ['another agency', { agency: 'bj-xicheng-zjw' }, false],
  ['project code', { projectCode: 'BJHD-2026-017' }, true],
  ['another project', { projectCode: 'BJHD-2026-018' }, false],
  ['my application number, listed', { applicationNumber: 'HD2026-0002' }, true],
  ['my application number, not listed', { applicationNumber: 'HD2026-0003' }, false],
  ['keywords present', { keywords: '公共租赁 摇号' }, true],
  ['one keyword absent', { keywords: '公共租赁 拍卖' }, false],
  ['the short name residents type (公租房 for 公共租赁住房)', { keywords: '公租房' }, true],
  ['a kindred but other housing (廉租房)', { keywords: '廉租房' }, false],
  ['all filters agreeing', { field: 'housing', region: '110100', agency: 'bj-haidian-zjw', applicationNumber: 'HD2026-0001' }, true],
  ['all but one agreeing', { field: 'housing', region: '110100', agency: 'bj-haidian-zjw', applicationNumber: 'HD2026-0009' }, false],
];

describe('which subscriptions a disclosure reaches', () => {
  it.each(cases)('%s → %s', async (name, input, expected) => {
    const openid = `match-${name.replace(/\W+/g, '-')}`;
    const subscriber = await upsertSubscriber(db, { appId: 'wx-match', openid, kind: 'mp-user' });
    await createSubscription(db, subscriber, 'wechat-mp', input);
    const reached: string[] = [];
    for await (const batch of subscriptionBatches(db, 'wechat-mp', disclosure, undefined, 7)) {
      reached.push(...batch.recipients.map((r) => r.address));
    }
    expect(reached.includes(openid)).toBe(expected);
  });

  it('pages through many subscriptions from a checkpoint without gaps or repeats', async () => {
    const all: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const generator = subscriptionBatches(db, 'wechat-mp', disclosure, cursor, 4);
      const first = await generator.next();
      if (first.done) break;
      all.push(...first.value.recipients.map((r) => r.address));
      cursor = first.value.cursor;
    }
    const expected = cases.filter(([, , hit]) => hit).map(([name]) => `match-${name.replace(/\W+/g, '-')}`);
    expect(all.sort()).toEqual(expected.sort());
  });
});
