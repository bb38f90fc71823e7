import { describe, expect, it } from 'vitest';
import { createAgency } from '../../core/agencies/agencies.ts';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { createApiKey } from '../../core/agencies/api-keys.ts';
import { catalogue, catalogueDocument, findItemType } from '../../core/catalogue/index.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishDisclosure, withdrawDisclosure } from '../../core/disclosures/transitions.ts';
import { toPublicView } from '../../core/disclosures/views.ts';
import { disclosureCollection } from '../../core/models/disclosure.model.ts';
import { publishResponseItem } from '../../core/opinion/respond/response-item.ts';
import { publicResponsesOf } from '../../core/opinion/respond/responses-of.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { thrown } from '../channels/weibo-helpers.ts';
import { allocationResult } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('response-item');
const clock = { now: new Date('2026-10-09T10:00:00+08:00') };
const changes: { id: string; keys: string[] }[] = [];
const services = createServices(db, { readModel: testReadModel(),
  now: () => clock.now,
  fanOutChannels: ['weibo', 'webhook'],
  enqueueFanOut: async (id, keys) => void changes.push({ id, keys }),
});
const { disclosures } = services;

async function pressOf(code: string): Promise<Principal> {
  await createAgency(db, { code, name: `${code} 住房和城乡建设委员会` }).catch(() => undefined);
  const { keyId } = await createApiKey(db, { agencyCode: code, role: 'press' });
  return { keyId, agencyCode: code, role: 'press' };
}

const haidian = await pressOf('bj-haidian-zjw');
const chaoyang = await pressOf('bj-chaoyang-zjw');

async function publishedOriginal(principal: Principal, title = '海淀区2026年第三批公共租赁住房分配结果公示') {
  const { disclosure } = await createDisclosure(disclosures, principal, createDisclosureInput.parse(allocationResult({ title })));
  return publishDisclosure(disclosures, principal, disclosure._id.toHexString());
}

describe('the 回应 item type', () => {
  it('exists in every field with the same content schema', () => {
    for (const field of catalogue) {
      const found = findItemType(field.code, 'response');
      expect(found?.itemType).toMatchObject({ name: '回应' });
      expect(found?.itemType.decision).toBeUndefined();
    }
    const schema = catalogueDocument().fields[0]!.itemTypes.find((t) => t.code === 'response')!.contentSchema;
    expect(schema.required).toEqual(['respondsTo', 'text']);
  });
});

describe('publishing a 回应 item', () => {
  it('creates and publishes it through the disclosure functions, linked to the original, with its outbox and audit', async () => {
    const original = await publishedOriginal(haidian);
    const id = original._id.toHexString();
    changes.length = 0;
    const item = await publishResponseItem(disclosures, haidian, { respondsTo: id, text: '经核查，轮候号已在附件中公布。', idempotencyKey: 'respond-task:a1' });

    expect(item).toMatchObject({ status: 'published', field: 'housing', itemType: 'response', region: original.region, agencyCode: 'bj-haidian-zjw' });
    expect(item.title).toBe(`关于“${original.title}”的回应`);
    expect(item.formedAt).toBe('2026-10-09');
    const stored = await disclosureCollection(db).findOne({ _id: item._id });
    expect(stored?.revisions[0]?.content).toEqual({ respondsTo: id, text: '经核查，轮候号已在附件中公布。' });
    // Fanned out like any disclosure: queued on every channel in the publishing write, and started.
    expect(Object.keys(stored?.outbox ?? {}).sort()).toEqual(['r1~webhook', 'r1~weibo']);
    expect(changes).toEqual([{ id: item._id.toHexString(), keys: ['r1~weibo', 'r1~webhook'] }]);
    const audit = await db.collection('audit').find({ subject: item._id.toHexString() }).sort({ at: 1 }).toArray();
    expect(audit.map((a) => [a.action, a.actor.role])).toEqual([
      ['disclosure.create', 'press'],
      ['disclosure.publish', 'press'],
    ]);
    expect(toPublicView(stored!).revisions[0]?.content).toMatchObject({ respondsTo: id });
  });

  it('replays the first item for the same idempotency key instead of publishing twice', async () => {
    const original = await publishedOriginal(haidian, '海淀区2026年第四批公共租赁住房分配结果公示');
    const input = { respondsTo: original._id.toHexString(), text: '已核实，分配过程全程公证。', idempotencyKey: 'respond-task:a2' };
    const first = await publishResponseItem(disclosures, haidian, input);
    const again = await publishResponseItem(disclosures, haidian, input);
    expect(again._id.toHexString()).toBe(first._id.toHexString());
    expect(again.events.map((e) => e.action)).toEqual(['create', 'publish']);
    expect(await disclosureCollection(db).countDocuments({ idempotencyKey: 'bj-haidian-zjw:respond-task:a2' })).toBe(1);
  });

  it('lists the responses under the public original, and only its own agency’s', async () => {
    const original = await publishedOriginal(haidian, '海淀区2026年第五批公共租赁住房分配结果公示');
    const id = original._id.toHexString();
    const first = await publishResponseItem(disclosures, haidian, { respondsTo: id, text: '第一次回应。', idempotencyKey: 'respond-task:a3' });
    clock.now = new Date(clock.now.getTime() + 60_000);
    const second = await publishResponseItem(disclosures, haidian, { respondsTo: id, text: '第二次回应。', summary: '补充说明', idempotencyKey: 'respond-task:a4' });
    // Another agency filing a 回应 that points here through the generic API is not listed.
    const { disclosure: stray } = await createDisclosure(disclosures, chaoyang, {
      field: 'housing',
      itemType: 'response',
      title: '朝阳区的回应',
      region: '110105',
      formedAt: '2026-10-09',
      basis: 'produce',
      content: { respondsTo: id, text: '不相干的回应。' },
      attachments: [],
      withheld: [],
    });
    await publishDisclosure(disclosures, chaoyang, stray._id.toHexString());

    const listed = await publicResponsesOf(services, id);
    expect(listed.items.map((r) => [r.id, r.text, r.summary])).toEqual([
      [first._id.toHexString(), '第一次回应。', undefined],
      [second._id.toHexString(), '第二次回应。', '补充说明'],
    ]);
    expect(listed.items[0]).toMatchObject({ status: 'published', itemTypeName: '回应', agency: { code: 'bj-haidian-zjw' } });
  });

  it('refuses another agency’s original, naming respondsTo, and creates nothing', async () => {
    const theirs = await publishedOriginal(chaoyang, '朝阳区2026年公共租赁住房分配结果公示');
    const before = await disclosureCollection(db).countDocuments({ itemType: 'response' });
    const error = await thrown(() => publishResponseItem(disclosures, haidian, { respondsTo: theirs._id.toHexString(), text: '越权回应。', idempotencyKey: 'respond-task:x1' }));
    expect(error).toMatchObject({ status: 404, fields: [{ path: 'respondsTo' }] });
    expect(await disclosureCollection(db).countDocuments({ itemType: 'response' })).toBe(before);
  });

  it('refuses a draft original, a response as original, and an unknown id', async () => {
    const { disclosure: draft } = await createDisclosure(disclosures, haidian, createDisclosureInput.parse(allocationResult({ title: '海淀区未发布的草稿事项' })));
    const published = await publishedOriginal(haidian, '海淀区2026年第六批公共租赁住房分配结果公示');
    const response = await publishResponseItem(disclosures, haidian, { respondsTo: published._id.toHexString(), text: '回应。', idempotencyKey: 'respond-task:a5' });
    const attempt = (respondsTo: string) => thrown(() => publishResponseItem(disclosures, haidian, { respondsTo, text: '回应。', idempotencyKey: `respond-x-${respondsTo}` }));
    expect(await attempt(draft._id.toHexString())).toMatchObject({ status: 404 });
    expect(await attempt(response._id.toHexString())).toMatchObject({ status: 400, fields: [{ path: 'respondsTo' }] });
    expect(await attempt('0'.repeat(24))).toMatchObject({ status: 404 });
  });

  it('may answer a withdrawn original, and the list shows a withdrawn response as withdrawn', async () => {
    const original = await publishedOriginal(haidian, '海淀区2026年第七批公共租赁住房分配结果公示');
    await withdrawDisclosure(disclosures, haidian, original._id.toHexString(), '公示信息有误，重新公示');
    const item = await publishResponseItem(disclosures, haidian, { respondsTo: original._id.toHexString(), text: '撤回原因说明。', idempotencyKey: 'respond-task:a6' });
    await withdrawDisclosure(disclosures, haidian, item._id.toHexString(), '内容需更新');
    const listed = await publicResponsesOf(services, original._id.toHexString());
    expect(listed.items).toEqual([expect.objectContaining({ id: item._id.toHexString(), status: 'withdrawn' })]);
  });
});
