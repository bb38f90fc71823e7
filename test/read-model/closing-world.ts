import type { Connection } from 'mongoose';
import { createAgency } from '../../core/agencies/agencies.ts';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishDisclosure, reviseDisclosure, withdrawDisclosure } from '../../core/disclosures/transitions.ts';
import type { ReadModel } from '../../core/read-model/types.ts';
import { createServices } from '../../core/services.ts';
import { HD, PD } from './world.ts';

const contact = { organisation: '海淀区公共资源交易中心', person: '王工', phone: '010-12345678' };
const party = { name: '某某建设集团有限公司', creditCode: '91110000100000000X' };

/** Content of the item types that declare a closing date (core/catalogue `closing`), the date given. */
export const closingContent = {
  tenderNotice: (deadline: string) => ({
    projectNumber: 'JSGC2026-108',
    projectName: '海淀区某路改造工程',
    conditions: { approval: '海发改投资〔2026〕10号', owner: '海淀区城市建设投资有限公司', fundingSource: '财政资金', tenderer: '海淀区城市建设投资有限公司' },
    overview: { location: '海淀区', scale: '道路全长3.2公里', scope: '施工总承包' },
    qualifications: { requirements: '市政公用工程施工总承包二级及以上资质。', jointBidAccepted: false },
    documents: { period: { from: '2026-11-20', to: '2026-11-27' }, method: '电子交易平台下载' },
    submission: { deadline, place: '电子交易平台在线递交' },
    contact,
  }),
  dealPublicity: (to: string) => ({
    transferor: '浦东新区规划和自然资源局',
    method: 'listing',
    dealDate: '2026-11-28',
    parcels: [{ parcelNumber: '2026-015', location: '浦东新区某路以东', area: 35000.5, use: '城镇住宅用地', winner: party, price: 412000000 }],
    publicityPeriod: { from: '2026-11-29', to },
  }),
  procurementNotice: (deadline: string) => ({
    projectNumber: 'ZC2026-101',
    projectName: '海淀区办公设备采购项目',
    purchaser: '海淀区某局',
    method: 'open-tender',
    budget: 1200000,
    lots: [{ lotNumber: '1', name: '台式计算机', quantity: '200台', budget: 1200000 }],
    supplierRequirements: '满足《中华人民共和国政府采购法》第二十二条规定。',
    documentsPeriod: { from: '2026-11-20', to: '2026-11-27' },
    documentsMethod: '在政府采购网免费下载',
    deadline,
    contact,
  }),
  candidates: (to: string, from = '2026-11-30') => ({
    projectNumber: 'JSGC2026-108',
    projectName: '海淀区某路改造工程',
    tenderer: '海淀区城市建设投资有限公司',
    publicityPeriod: { from, to },
    candidates: [
      {
        rank: 1,
        name: '某某建设集团有限公司',
        bidPrice: 198500000.5,
        duration: 360,
        evaluation: '综合评分第一',
        projectManager: '周某',
        certificates: [{ name: '一级注册建造师', number: '京111202012345678' }],
        qualifications: '市政公用工程施工总承包一级',
      },
    ],
    objection: { channel: '投标人可在公示期内通过电子交易平台向招标人提出异议。' },
  }),
  miningNotice: (to: string) => ({
    noticeNumber: '京自然资矿告〔2026〕1号',
    transferor: '北京市规划和自然资源委员会',
    rightType: 'mining',
    method: 'auction',
    projects: [{ name: '某县某某建筑用石料矿', mineral: '建筑用花岗岩', location: '某县某镇', area: 0.2356, startingPrice: 5000000 }],
    eligibility: '具有独立民事能力的企业法人。',
    applicationPeriod: { from: '2026-11-25', to },
  }),
};

export type ClosingIds = Record<'hdTender' | 'pdDeal' | 'hdWithheld' | 'hdWithdrawn' | 'hdLater' | 'hdDraft' | 'hdCorrected', string>;

/**
 * Items closing around the week of 2026-12-04 (China time), published on 2026-12-01: two inside
 * it in two provinces, one whose deadline is withheld, one withdrawn, one closing after it, a
 * draft, and one whose correction moves its deadline into the week.
 */
export async function buildClosingWorld(db: Connection, readModel: ReadModel): Promise<ClosingIds> {
  const clock = { now: new Date('2026-12-01T09:00:00+08:00') };
  const { disclosures: deps } = createServices(db, { readModel, now: () => clock.now });
  for (const a of [HD, PD]) await createAgency(db, a).catch(() => undefined);
  const who = (a: typeof HD): Principal => ({ keyId: `key-${a.code}`, agencyCode: a.code, role: 'admin' });
  const item = async (a: typeof HD, field: string, itemType: string, title: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}, publish = true) => {
    const input = createDisclosureInput.parse({ region: a.region, formedAt: '2026-11-30', basis: 'implement', field, itemType, title, content, ...extra });
    const id = (await createDisclosure(deps, who(a), input)).disclosure._id.toHexString();
    if (publish) await publishDisclosure(deps, who(a), id);
    return id;
  };
  const hdTender = await item(HD, 'bidding', 'tender-notice', '海淀区某路改造工程招标公告', closingContent.tenderNotice('2026-12-05T09:30'));
  const pdDeal = await item(PD, 'land', 'deal-publicity', '浦东新区2026-015地块成交公示', closingContent.dealPublicity('2026-12-07'));
  const hdWithheld = await item(HD, 'procurement', 'procurement-notice', '海淀区办公设备采购公告', closingContent.procurementNotice('2026-12-06T09:30'), {
    withheld: [{ path: 'deadline', basis: 'commercial-secret' }],
  });
  const hdWithdrawn = await item(HD, 'bidding', 'candidates', '海淀区某路改造工程中标候选人公示', closingContent.candidates('2026-12-04'));
  await withdrawDisclosure(deps, who(HD), hdWithdrawn, '评标委员会组成不合法，重新评标');
  const hdLater = await item(HD, 'mining', 'transfer-notice', '海淀区某矿采矿权出让公告', closingContent.miningNotice('2026-12-20'));
  const hdDraft = await item(HD, 'bidding', 'candidates', '海淀区另一工程中标候选人公示（草稿）', closingContent.candidates('2026-12-05'), {}, false);
  const hdCorrected = await item(HD, 'procurement', 'procurement-notice', '海淀区物业服务采购公告', closingContent.procurementNotice('2026-12-30T09:00'));
  clock.now = new Date('2026-12-02T09:00:00+08:00');
  await reviseDisclosure(deps, who(HD), hdCorrected, { note: '提前响应文件提交截止时间', content: closingContent.procurementNotice('2026-12-10T14:00') });
  return { hdTender, pdDeal, hdWithheld, hdWithdrawn, hdLater, hdDraft, hdCorrected };
}
