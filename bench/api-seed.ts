/**
 * Seeds published disclosures for bench/api.ts. A few dozen go through the real path
 * (createDisclosure + publishDisclosure, with every channel's outbox), and the rest are
 * copies of those with a new id, title, number, dates and search tokens recomputed the way
 * publishing computes them, inserted in bulk: the same shape as real documents, in seconds.
 */
import { randomUUID } from 'node:crypto';
import { Types, type Connection } from 'mongoose';
import { CHANNEL_IDS } from '../channels/types.ts';
import { createAgency } from '../core/agencies/agencies.ts';
import { findItemType } from '../core/catalogue/index.ts';
import { createDisclosure, revisionHash } from '../core/disclosures/create.ts';
import { createDisclosureInput } from '../core/disclosures/input.ts';
import { markSegmentationCurrent } from '../core/disclosures/reindex-search.ts';
import { indexTokens } from '../core/disclosures/search-tokens.ts';
import { publishDisclosure } from '../core/disclosures/transitions.ts';
import { publicStrings } from '../core/disclosures/withholding.ts';
import { disclosureCollection, disclosureModel, type DisclosureRecord } from '../core/models/disclosure.model.ts';
import { createServices } from '../core/services.ts';
import { benchReadModel } from './bench-read-model.ts';

const AGENCIES = [
  { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' },
  { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会', region: '110105' },
  { code: 'sh-pudong-fgj', name: '上海市浦东新区房屋管理局', region: '310115' },
  { code: 'sh-huangpu-czj', name: '上海市黄浦区财政局', region: '310101' },
  { code: 'gz-tianhe-zjj', name: '广州市天河区住房和建设局', region: '440106' },
  { code: 'cd-wuhou-ggzy', name: '成都市武侯区公共资源交易服务中心', region: '510107' },
  { code: 'hz-xihu-zgj', name: '杭州市西湖区规划和自然资源局', region: '330106' },
  { code: 'wh-jiangan-zgj', name: '武汉市江岸区住房和城市更新局', region: '420102' },
] as const;

type Agency = (typeof AGENCIES)[number];

/** One valid body per item type used, in the agency's name and district. */
const ITEMS: ((a: Agency) => Record<string, unknown>)[] = [
  (a) => ({
    field: 'housing',
    itemType: 'allocation-result',
    title: `${a.name.slice(0, 5)}2026年公共租赁住房分配结果公示`,
    content: {
      projectName: '保障性租赁住房项目',
      batch: '2026年第三批',
      drawDate: '2026-09-20',
      method: '公开摇号',
      results: Array.from({ length: 12 }, (_, i) => ({
        applicationNumber: `${a.region}-2026-${String(i + 1).padStart(4, '0')}`,
        householdName: '张*明',
        ...(i < 8 ? { allocatedUnit: `${i + 1}-1-50${i}`, outcome: 'allocated' } : { outcome: 'waiting', note: `轮候第${i - 7}位` }),
      })),
    },
  }),
  (a) => ({
    field: 'procurement',
    itemType: 'budget',
    title: `${a.name.slice(0, 5)}保障性住房小区物业服务采购预算`,
    content: { year: 2026, purchaser: a.name, projectName: '保障性住房小区物业服务采购', amount: 1_200_000 },
  }),
  (a) => ({
    field: 'blacklist',
    itemType: 'misconduct',
    title: `${a.name.slice(0, 5)}某建筑公司串通投标行为列入黑名单`,
    content: {
      party: { name: '某某建筑工程有限公司', creditCode: '91110108MA01ABCD2X' },
      misconduct: '在保障房项目施工招标中串通投标',
      authority: a.name,
      decision: { documentNumber: '罚〔2026〕12号', date: '2026-09-30', content: '列入黑名单，限制参与本区政府投资项目投标' },
      period: { from: '2026-10-01', to: '2027-09-30' },
    },
  }),
  (a) => ({
    field: 'land',
    itemType: 'supply-plan',
    title: `${a.name.slice(0, 5)}2026年度国有建设用地供应计划`,
    content: {
      year: 2026,
      region: a.name.slice(0, 5),
      totalArea: 120.5,
      breakdown: [
        { use: '住宅用地', area: 60.25 },
        { use: '商服用地', area: 20 },
        { use: '工业用地', area: 40.25 },
      ],
    },
  }),
];

const MINUTE = 60_000;

export interface SeedOptions {
  /** Minutes between two copies' publications, newest first from 2026-11-20 (default 37). */
  spacingMinutes?: number;
  /** Every n-th copy is left a draft (due soon), for compliance lists; 0: none. */
  draftEvery?: number;
  /** Called after each bulk insert with the count so far. */
  onProgress?: (done: number) => void;
}

/** Creates `count` published disclosures; returns the ids of a sample of them for detail requests. */
export async function seedDisclosures(db: Connection, count: number, sample = 200, options: SeedOptions = {}): Promise<{ ids: string[]; realPath: number }> {
  await disclosureModel(db).init();
  const formed = new Date('2026-09-30T10:00:00+08:00');
  const services = createServices(db, { readModel: benchReadModel('seed'), now: () => formed, fanOutChannels: CHANNEL_IDS });
  const prototypes: DisclosureRecord[] = [];
  for (const agency of AGENCIES) {
    await createAgency(db, { code: agency.code, name: agency.name, region: agency.region });
    const principal = { keyId: 'bench-seed', agencyCode: agency.code, role: 'publisher' as const };
    for (const item of ITEMS) {
      const input = createDisclosureInput.parse({ region: agency.region, formedAt: '2026-09-30', basis: 'implement', ...item(agency) });
      const { disclosure } = await createDisclosure(services.disclosures, principal, input);
      prototypes.push(await publishDisclosure(services.disclosures, principal, disclosure._id.toHexString()));
    }
  }
  const latest = Date.parse('2026-11-20T10:00:00+08:00');
  const copies: DisclosureRecord[] = [];
  const ids: string[] = [];
  for (let i = 0; i < count - prototypes.length; i++) {
    const copy = copyOf(prototypes[i % prototypes.length]!, i, new Date(latest - i * (options.spacingMinutes ?? 37) * MINUTE));
    copies.push(options.draftEvery && i % options.draftEvery === 3 ? asDraft(copy) : copy);
    if (i % Math.ceil(count / sample) === 0) ids.push(copies[copies.length - 1]!._id.toHexString());
    if (copies.length === 1000) {
      await disclosureCollection(db).insertMany(copies.splice(0), { ordered: false });
      options.onProgress?.(i + 1);
    }
  }
  if (copies.length) await disclosureCollection(db).insertMany(copies, { ordered: false });
  // The copies' tokens are what this code's segmentation makes (as a set): without the mark, the
  // service's start would re-segment every stored disclosure while the bench measures it.
  await markSegmentationCurrent(db);
  return { ids, realPath: prototypes.length };
}

const restOf = new WeakMap<DisclosureRecord, string[]>();

/** What publishing indexes besides the title (see publicIndex in transitions.ts); segmenting is slow. */
function restTokens(proto: DisclosureRecord): string[] {
  let rest = restOf.get(proto);
  if (!rest) {
    const found = findItemType(proto.field, proto.itemType)!;
    rest = indexTokens([proto.agencyName, proto.projectCode ?? '', found.field.name, found.itemType.name, ...publicStrings(proto.revisions[0]!)]);
    restOf.set(proto, rest);
  }
  return rest;
}

/** The prototype as if it had been published at `at`, under a new number; 1 in 20 withdrawn later. */
function copyOf(proto: DisclosureRecord, n: number, at: Date): DisclosureRecord {
  const shift = at.getTime() - proto.publishedAt!.getTime();
  const move = (d: Date) => new Date(d.getTime() + shift);
  const title = `${proto.title}（第${n + 1}号）`;
  const revision = { ...proto.revisions[0]!, title, createdAt: move(proto.revisions[0]!.createdAt), publishedAt: at };
  revision.contentHash = revisionHash(revision);
  const events = proto.events.map((e) => ({ ...e, at: move(e.at), contentHash: revision.contentHash }));
  const doc: DisclosureRecord = {
    ...proto,
    _id: new Types.ObjectId(),
    title,
    revisions: [revision],
    // indexTokens([title, ...rest]) is the union of each text's tokens in order; the rest is the prototype's.
    searchTokens: [...new Set([...indexTokens([title]), ...restTokens(proto)])],
    idempotencyKey: `${proto.agencyCode}:${randomUUID()}`,
    events,
    dueAt: move(proto.dueAt),
    publishedAt: at,
    lastPublishedAt: at,
    publicChangedAt: at,
    outbox: Object.fromEntries(Object.entries(proto.outbox ?? {}).map(([k, v]) => [k, { ...v, queuedAt: at }])),
    createdAt: move(proto.createdAt),
    updatedAt: at,
  };
  if (n % 20 === 7) {
    const withdrawnAt = new Date(at.getTime() + 90 * MINUTE);
    const reason = '信息有误，撤回后重新公示';
    Object.assign(doc, { status: 'withdrawn', withdrawnAt, withdrawReason: reason, publicChangedAt: withdrawnAt, updatedAt: withdrawnAt, version: doc.version + 1 });
    doc.events = [...events, { seq: events.length + 1, action: 'withdraw', at: withdrawnAt, keyId: 'bench-seed', role: 'publisher', revision: 1, note: reason }];
  }
  return doc;
}

/** The copy as a draft formed recently, due within days: what compliance lists show. */
function asDraft(doc: DisclosureRecord): DisclosureRecord {
  const { publishedAt: _p, lastPublishedAt: _l, publicChangedAt: _c, onTime: _o, outbox: _x, ...rest } = doc;
  const revision = { ...doc.revisions[0]! };
  delete revision.publishedAt;
  return {
    ...rest,
    status: 'draft',
    revisions: [revision],
    searchTokens: [],
    applicationNumbers: [],
    events: doc.events.slice(0, 1),
    version: 1,
    dueAt: new Date(Date.parse('2026-12-04T23:59:59+08:00') + (doc._id.getTimestamp().getTime() % 7) * 86_400_000),
    dueOn: '2026-12-04',
  } as DisclosureRecord;
}
