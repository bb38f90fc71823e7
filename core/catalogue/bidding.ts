/** 工程建设项目招标投标 (国办发〔2017〕97号 一(六)). */
import { z } from 'zod';
import type { Field } from './types.ts';
import {
  LIMITS,
  attachments,
  contact,
  creditCode,
  date,
  dateTime,
  documentNumber,
  list,
  longText,
  money,
  orgName,
  party,
  period,
  text,
  uniqueBy,
} from './common.ts';

const projectNumber = () => text('招标项目编号', 100);
const projectName = () => orgName('项目名称');
const section = () => text('标段', 100);
const duration = () => z.number().int().min(1).max(10000).describe('工期（日历天）');

const approvalFiling = z.strictObject({
  projectName: projectName(),
  projectCode: text('项目代码', 60),
  kind: z.enum(['approval', 'verification', 'filing']).describe('类型（approval 审批／verification 核准／filing 备案）'),
  owner: party('项目单位'),
  authority: orgName('审批核准备案机关'),
  documentNumber: documentNumber(),
  date: date('批复或备案日期'),
  investment: money('总投资（元）').optional(),
  scale: text('建设规模和内容', LIMITS.text).optional(),
  tenderScope: text('招标范围', LIMITS.text).optional(),
  tenderMethod: z.enum(['open', 'invited']).describe('招标方式（open 公开招标／invited 邀请招标）').optional(),
  tenderOrganisation: z.enum(['self', 'agency']).describe('招标组织形式（self 自行招标／agency 委托招标）').optional(),
});

const marketCredit = z.strictObject({
  party: party('市场主体'),
  role: z
    .enum(['tenderer', 'bidder', 'agency', 'expert', 'other'])
    .describe('主体类型（tenderer 招标人／bidder 投标人／agency 招标代理机构／expert 评标专家／other 其他）'),
  recordType: z.enum(['good', 'bad']).describe('信用记录类型（good 良好行为／bad 不良行为）'),
  content: longText('信用记录内容'),
  authority: orgName('认定部门'),
  documentNumber: documentNumber().optional(),
  date: date('认定日期'),
  validity: period('公布期限').optional(),
});

const tenderNotice = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  conditions: z
    .strictObject({
      approval: text('项目审批、核准或备案文件', LIMITS.shortText),
      owner: orgName('项目业主'),
      fundingSource: text('资金来源', 200),
      tenderer: orgName('招标人'),
      agency: orgName('招标代理机构').optional(),
    })
    .describe('招标条件'),
  overview: z
    .strictObject({
      location: text('建设地点'),
      scale: text('建设规模', LIMITS.text),
      plannedDuration: duration().optional(),
      scope: text('招标范围', LIMITS.longText),
      sections: list(
        z.strictObject({ name: section(), estimatedPrice: money('估算价或最高投标限价（元）').optional() }),
        '标段划分',
        100,
      ).optional(),
    })
    .describe('项目概况与招标范围'),
  qualifications: z
    .strictObject({
      requirements: longText('资质、业绩、项目负责人等要求'),
      jointBidAccepted: z.boolean().describe('是否接受联合体投标'),
    })
    .describe('投标人资格要求'),
  documents: z
    .strictObject({
      period: period('获取时间'),
      method: text('获取方式', LIMITS.shortText),
      price: money('售价（元）').optional(),
    })
    .describe('招标文件获取'),
  submission: z
    .strictObject({
      deadline: dateTime('递交截止时间'),
      place: text('递交地点或方式', LIMITS.shortText),
    })
    .describe('投标文件递交'),
  contact: contact(),
  attachments: attachments().optional(),
});

const candidates = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  section: section().optional(),
  tenderer: orgName('招标人'),
  publicityPeriod: period('公示期'),
  candidates: list(
    z.strictObject({
      rank: z.number().int().min(1).max(100).describe('排序'),
      name: orgName('中标候选人名称'),
      creditCode: creditCode().optional(),
      bidPrice: money('投标报价（元）'),
      duration: duration(),
      evaluation: text('评标情况', LIMITS.text),
      score: z.number().min(0).max(1000).describe('评标得分').optional(),
      projectManager: text('项目负责人', 50),
      personalPerformance: text('项目负责人个人业绩', LIMITS.text).optional(),
      certificates: list(
        z.strictObject({ name: text('证书名称', 100), number: text('证书编号', 100) }),
        '有关证书及编号',
        50,
      ),
      qualifications: text('投标文件中填报的资格能力条件', LIMITS.longText),
    }),
    '中标候选人',
    100,
  ).superRefine(uniqueBy('rank', '排序重复')),
  objection: z
    .strictObject({
      channel: text('提出异议的渠道和方式', LIMITS.text),
      contact: contact().optional(),
    })
    .describe('异议渠道和方式'),
});

const awardResult = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  section: section().optional(),
  tenderer: orgName('招标人'),
  winner: party('中标人'),
  awardPrice: money('中标价（元）'),
  duration: duration().optional(),
  projectManager: text('项目负责人', 50).optional(),
  awardDate: date('中标通知书发出日期'),
});

const contractPerformance = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  section: section().optional(),
  contractNumber: documentNumber('合同编号').optional(),
  employer: orgName('发包人'),
  contractor: party('承包人'),
  contractPrice: money('签约合同价（元）'),
  signDate: date('签订日期'),
  duration: duration(),
  performance: z
    .strictObject({
      status: z
        .enum(['not-started', 'in-progress', 'completed', 'terminated'])
        .describe('履行状态（not-started 未开工／in-progress 履行中／completed 已完成／terminated 已终止）'),
      startDate: date('实际开工日期').optional(),
      completionDate: date('实际竣工日期').optional(),
      settlementAmount: money('结算金额（元）').optional(),
      changes: text('合同变更情况', LIMITS.text).optional(),
      summary: text('履行情况', LIMITS.text).optional(),
    })
    .describe('合同履行情况'),
});

export const bidding: Field = {
  code: 'bidding',
  name: '工程建设项目招标投标',
  itemTypes: [
    {
      code: 'approval-filing',
      name: '审批核准备案',
      description: '依法必须招标项目的审批、核准或备案信息。',
      decision: 'license',
      content: approvalFiling,
    },
    { code: 'market-credit', name: '市场主体信用', description: '招标投标市场主体的信用信息。', content: marketCredit },
    { code: 'tender-notice', name: '招标公告', description: '依法必须招标项目的招标公告。', content: tenderNotice, closing: [{ path: 'submission.deadline', label: '投标文件递交截止' }] },
    { code: 'candidates', name: '中标候选人', description: '中标候选人公示，含排序、投标报价、评标情况和异议渠道。', content: candidates, closing: [{ path: 'publicityPeriod.to', label: '公示期截止（异议截止）' }] },
    { code: 'award-result', name: '中标结果', description: '依法必须招标项目的中标结果。', content: awardResult },
    { code: 'contract-performance', name: '合同订立及履行', description: '招标项目合同的订立和履行情况。', content: contractPerformance },
  ],
};
