/** 住房保障: 保障性安居工程建设 and 保障性住房分配 (国办发〔2017〕97号 一(一)). */
import { z } from 'zod';
import type { Field } from './types.ts';
import {
  LIMITS, attachments, contact, count, date, documentNumber, list, longText,
  measure, money, orgName, period, text, textList, uniqueBy, year,
} from './common.ts';

const region = () => text('行政区域', 100);
const housingType = () => text('保障类型', 50);

const taskVolume = () =>
  list(
    z.strictObject({
      category: housingType(),
      quantity: count('数量'),
      unit: text('计量单位', 20),
    }),
    '任务量',
    100,
  );

const unitType = z.strictObject({
  layout: text('户型', 50),
  floorArea: measure('建筑面积（平方米）'),
  units: count('套数'),
});

const constructionPlan = z.strictObject({
  title: text('方案名称'),
  region: region(),
  // Nested so the content object stays refinement-free: withholding a key needs `.partial()`.
  planPeriod: z
    .strictObject({ startYear: year('起始年度'), endYear: year('截止年度') })
    .describe('规划期')
    .refine((p) => p.endYear >= p.startYear, { path: ['endYear'], message: '截止年度不得早于起始年度' }),
  approvedBy: orgName('批准机关').optional(),
  approvalDate: date('批准日期').optional(),
  targets: taskVolume().optional(),
  content: longText('方案内容'),
  attachments: attachments().optional(),
});

const annualPlan = z.strictObject({
  year: year(),
  region: region(),
  tasks: taskVolume(),
  projects: list(
    z.strictObject({
      name: orgName('项目名称'),
      location: text('建设地点'),
      category: housingType(),
      units: count('套数'),
      investment: money('计划投资（元）').optional(),
    }),
    '计划项目',
  ),
  unitTypes: list(unitType, '计划户型', 100),
});

const progressProject = (dateLabel: string) =>
  z.strictObject({
    name: orgName('项目名称'),
    location: text('建设地点').optional(),
    units: count('套数'),
    date: date(dateLabel),
  });

const planProgress = z.strictObject({
  year: year(),
  region: region(),
  asOf: date('截止日期'),
  progress: z
    .strictObject({
      plannedUnits: count('计划套数'),
      startedUnits: count('已开工套数'),
      completedUnits: count('已竣工套数'),
      completedInvestment: money('完成投资（元）').optional(),
      note: text('说明', LIMITS.text).optional(),
    })
    .describe('进度'),
  startedProjects: list(progressProject('开工日期'), '已开工项目').optional(),
  completedProjects: list(progressProject('竣工日期'), '已竣工项目').optional(),
  facilities: list(
    z.strictObject({
      projectName: orgName('项目名称'),
      description: text('配套设施', LIMITS.text),
      status: z.enum(['planned', 'under-construction', 'completed']).describe('建设状态（计划／在建／已建成）'),
    }),
    '配套设施',
  ).optional(),
});

const ruralRenovation = z.strictObject({
  year: year(),
  region: region(),
  policy: longText('政策'),
  targetIdentification: longText('对象认定过程'),
  subsidy: z
    .strictObject({
      totalAmount: money('补助资金总额（元）'),
      standard: text('补助标准', LIMITS.text),
      allocations: list(
        z.strictObject({ area: text('乡镇（街道）', 100), households: count('户数'), amount: money('金额（元）') }),
        '分配明细',
      ).optional(),
    })
    .describe('补助资金分配'),
  result: z
    .strictObject({
      plannedHouseholds: count('计划改造户数'),
      completedHouseholds: count('已完成改造户数'),
      summary: text('改造情况', LIMITS.text).optional(),
    })
    .describe('改造结果'),
});

const allocationPolicy = z.strictObject({
  title: text('政策名称'),
  region: region(),
  issuedBy: orgName('发布机关'),
  documentNumber: documentNumber().optional(),
  effectiveDate: date('施行日期'),
  housingTypes: textList('适用保障房类型', '保障类型', 20).optional(),
  content: longText('政策内容'),
  attachments: attachments().optional(),
});

const allocationTargets = z.strictObject({
  region: region(),
  batch: text('批次', 100).optional(),
  housingType: housingType(),
  criteria: z
    .strictObject({
      income: text('收入条件', LIMITS.text),
      housing: text('住房条件', LIMITS.text),
      residence: text('户籍或居住条件', LIMITS.text).optional(),
      other: text('其他条件', LIMITS.text).optional(),
    })
    .describe('准入条件'),
  approvedHouseholds: count('审核通过户数').optional(),
  publicityPeriod: period('公示期').optional(),
});

const allocationHousing = z.strictObject({
  projectName: orgName('项目名称'),
  location: text('房源地址'),
  housingType: housingType(),
  totalUnits: count('房源总套数'),
  units: list(
    z.strictObject({
      building: text('楼栋', 50).optional(),
      layout: text('户型', 50),
      floorArea: measure('建筑面积（平方米）'),
      count: count('套数'),
      monthlyRent: money('月租金（元）').optional(),
      price: money('销售价格（元）').optional(),
    }),
    '房源明细',
  ),
  availableFrom: date('可入住日期').optional(),
});

const allocationProcedure = z.strictObject({
  title: text('程序名称'),
  region: region(),
  steps: list(
    z.strictObject({
      order: z.number().int().min(1).max(100).describe('序号'),
      name: text('环节', 100),
      description: text('办理要求', LIMITS.text),
      timeLimit: text('办理时限', 100).optional(),
    }),
    '办理环节',
    100,
  ),
  channels: text('申请渠道', LIMITS.text),
  contact: contact().optional(),
});

const allocationProcess = z.strictObject({
  projectName: orgName('项目名称'),
  batch: text('批次', 100).optional(),
  method: text('分配方式（如摇号、轮候排序）', 100),
  stages: list(
    z.strictObject({ stage: text('环节', 100), date: date('日期'), description: text('情况', LIMITS.text) }),
    '分配过程',
    100,
  ),
  supervisor: orgName('监督或公证机构').optional(),
});

const APPLICATION_NUMBER = /^[A-Za-z0-9-]{1,40}$/;

const allocationResult = z.strictObject({
  projectName: orgName('项目名称'),
  batch: text('批次', 100).optional(),
  drawDate: date('摇号或排序日期'),
  method: text('分配方式', 100).optional(),
  results: list(
    z.strictObject({
      applicationNumber: z.string().regex(APPLICATION_NUMBER, '申请编号只含字母、数字和 -').describe('申请编号'),
      // Names are personal information: only a masked form (张*明) may be published.
      householdName: z.string().trim().min(2).max(50).regex(/[*＊]/, '姓名须脱敏（如 张*明）').describe('申请人姓名（脱敏）').optional(),
      allocatedUnit: text('分配房号', 100).optional(),
      outcome: z.enum(['allocated', 'waiting', 'rejected']).describe('结果（allocated 已分配／waiting 轮候／rejected 未通过）'),
      note: text('备注', LIMITS.shortText).optional(),
    }),
    '分配结果',
    LIMITS.results,
  ).superRefine(uniqueBy('applicationNumber', '申请编号重复')),
});

function applicationNumbers(content: Record<string, unknown>): string[] {
  const results = content['results'];
  if (!Array.isArray(results)) return [];
  return results.flatMap((r: unknown) => {
    const n = typeof r === 'object' && r !== null ? (r as Record<string, unknown>)['applicationNumber'] : undefined;
    return typeof n === 'string' ? [n] : [];
  });
}

export const housing: Field = {
  code: 'housing',
  name: '住房保障',
  itemTypes: [
    { code: 'construction-plan', name: '保障性安居工程规划建设方案', description: '保障性安居工程的规划建设方案。', content: constructionPlan },
    { code: 'annual-plan', name: '年度建设计划', description: '保障性安居工程年度建设计划，包括任务量、计划项目和计划户型。', content: annualPlan },
    { code: 'plan-progress', name: '建设计划完成情况', description: '年度建设计划的进度、已开工项目、已竣工项目和配套设施建设情况。', content: planProgress },
    { code: 'rural-renovation', name: '农村危房改造', description: '农村危房改造的政策、对象认定过程、补助资金分配和改造结果。', content: ruralRenovation },
    { code: 'allocation-policy', name: '分配政策', description: '保障性住房的分配政策。', content: allocationPolicy },
    { code: 'allocation-targets', name: '分配对象', description: '保障性住房分配对象的准入条件和审核情况。', content: allocationTargets, closing: [{ path: 'publicityPeriod.to', label: '公示期截止' }] },
    { code: 'allocation-housing', name: '分配房源', description: '用于分配的保障性住房房源。', content: allocationHousing },
    { code: 'allocation-procedure', name: '分配程序', description: '保障性住房的申请和分配程序。', content: allocationProcedure },
    { code: 'allocation-process', name: '分配过程', description: '一次保障性住房分配的实施过程。', content: allocationProcess },
    {
      code: 'allocation-result',
      name: '分配结果',
      description: '按申请编号公布的保障性住房分配结果。',
      content: allocationResult,
      applicationNumbers,
    },
  ],
};
