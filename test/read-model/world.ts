import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createAgency, updateAgency } from '../../core/agencies/agencies.ts';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishOrRequestReview } from '../../core/disclosures/review.ts';
import { publishDisclosure, reviseDisclosure, withdrawDisclosure } from '../../core/disclosures/transitions.ts';
import type { ReadModel } from '../../core/read-model/types.ts';
import { createServices, type Services } from '../../core/services.ts';
import { allocationContent } from '../helpers/registry.ts';

export const HD = { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会', region: '110108' };
export const CY = { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会', region: '110105' };
export const PD = { code: 'sh-pudong-fgj', name: '上海市浦东新区房屋管理局', region: '310115' };

/** Words no fixture but the one it names contains, to find leaks. */
export const WITHHELD_MARKER = `商业秘密标记${randomUUID().slice(0, 8)}`;
export const DRAFT_MARKER = '草稿专用词汇鸿雁';

const at = (iso: string) => new Date(`${iso}+08:00`);

const procurement = (agency: typeof HD, title: string) => ({
  field: 'procurement',
  itemType: 'budget',
  title,
  content: { year: 2026, purchaser: agency.name, projectName: '保障性住房小区物业服务采购', amount: 1_200_000 },
});
const supplyPlan = (title: string, region: string) => ({
  field: 'land',
  itemType: 'supply-plan',
  title,
  content: { year: 2026, region, totalArea: 120.5, breakdown: [{ use: '住宅用地', area: 60.25 }, { use: '工业用地', area: 60.25 }] },
});
const misconduct = (agency: typeof HD, title: string) => ({
  field: 'blacklist',
  itemType: 'misconduct',
  title,
  content: {
    party: { name: '某某建筑工程有限公司', creditCode: '91110108MA01ABCD2X' },
    misconduct: '在保障房项目施工招标中串通投标',
    authority: agency.name,
    decision: { documentNumber: '罚〔2026〕12号', date: '2026-07-30', content: '列入黑名单' },
    period: { from: '2026-08-01', to: '2027-07-31' },
  },
});
/** An allocation result whose project is in the title's own district, so a search word belongs to one item. */
const allocation = (title: string, numbers: string[]) => ({
  field: 'housing',
  itemType: 'allocation-result',
  title,
  content: { ...allocationContent(numbers), projectName: `${title.slice(0, 3)}保障房项目` },
});

export interface World {
  services: Services;
  readModel: ReadModel;
  ids: Record<'hdHousing' | 'hdBudget' | 'cyLottery' | 'pdLand' | 'pdWithdrawn' | 'hdDraft' | 'cyBlacklist' | 'hdResponse' | 'hdReview', string>;
}

/**
 * Three agencies in two provinces and every kind of change a read model must follow: first
 * publications over two years, a correction, a withdrawal, a withheld value, a draft, a 回应, a
 * request for review, in the order a clock the fixture moves says.
 */
export async function buildWorld(db: Connection, readModel: ReadModel): Promise<World> {
  const clock = { now: at('2025-12-01T09:00:00') };
  const services = createServices(db, { readModel, now: () => clock.now });
  const deps = services.disclosures;
  for (const a of [HD, CY, PD]) await createAgency(db, a).catch(() => undefined);
  const who = (a: typeof HD): Principal => ({ keyId: `key-${a.code}`, agencyCode: a.code, role: 'admin' });
  const draft = async (a: typeof HD, body: Record<string, unknown>, formedAt: string, extra: Record<string, unknown> = {}) => {
    clock.now = at(`${formedAt}T12:00:00`);
    const input = createDisclosureInput.parse({ region: a.region, formedAt, basis: 'implement', ...body, ...extra });
    return (await createDisclosure(deps, who(a), input)).disclosure._id.toHexString();
  };
  const publishAt = async (a: typeof HD, id: string, when: string) => {
    clock.now = at(when);
    await publishDisclosure(deps, who(a), id);
  };

  const hdHousing = await draft(HD, allocation('海淀区2025年公共租赁住房分配结果公示', ['HD2025-0001']), '2025-11-25');
  await publishAt(HD, hdHousing, '2025-12-20T10:00:00');

  const hdBudget = await draft(HD, procurement(HD, '海淀区保障性住房物业服务采购预算'), '2026-02-20');
  await publishAt(HD, hdBudget, '2026-03-01T10:00:00');

  const cyLottery = await draft(CY, allocation('朝阳区共有产权房摇号结果<公告>&说明', ['CY2026-0009']), '2026-04-20');
  await publishAt(CY, cyLottery, '2026-05-01T10:00:00');
  clock.now = at('2026-05-10T10:00:00');
  await reviseDisclosure(deps, who(CY), cyLottery, { note: '更正轮候顺序', content: allocation('朝阳区', ['CY2026-0009', 'CY2026-0010']).content });

  const pdLand = await draft(PD, supplyPlan('浦东新区2026年度国有建设用地供应计划', '浦东新区'), '2026-05-20');
  await publishAt(PD, pdLand, '2026-06-01T10:00:00');

  const pdWithdrawn = await draft(PD, allocation('浦东新区人才公寓配租结果', ['PD2026-0001']), '2026-06-20', {
    content: { ...allocation('浦东新区', ['PD2026-0001']).content, method: WITHHELD_MARKER },
    withheld: [{ path: 'method', basis: 'commercial-secret' }],
  });
  await publishAt(PD, pdWithdrawn, '2026-07-01T10:00:00');
  clock.now = at('2026-07-05T10:00:00');
  await withdrawDisclosure(deps, who(PD), pdWithdrawn, '信息有误，撤回后重新公示');

  const cyBlacklist = await draft(CY, misconduct(CY, '朝阳区某建筑公司串通投标列入黑名单'), '2026-07-25', { projectCode: 'CY-P-0001' });
  await publishAt(CY, cyBlacklist, '2026-08-01T10:00:00');

  const hdResponse = await draft(HD, { field: 'housing', itemType: 'response', title: '关于海淀区公租房分配结果的回应', content: { respondsTo: hdHousing, text: '分配过程全程公证。' } }, '2026-08-25');
  await publishAt(HD, hdResponse, '2026-09-01T10:00:00');

  const hdDraft = await draft(HD, allocation(`海淀区${DRAFT_MARKER}分配结果`, ['HD2026-0999']), '2026-11-10');

  await updateAgency(db, CY.code, { requireReview: true });
  const hdReview = await draft(CY, procurement(CY, '朝阳区保障房维修采购预算'), '2026-11-15');
  await publishOrRequestReview(deps, { ...who(CY), role: 'publisher' }, hdReview);
  await updateAgency(db, CY.code, { requireReview: false });
  return { services, readModel, ids: { hdHousing, hdBudget, cyLottery, pdLand, pdWithdrawn, hdDraft, cyBlacklist, hdResponse, hdReview } };
}
