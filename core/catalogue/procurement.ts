/** 政府采购 (国办发〔2017〕97号 一(四)). */
import { z } from 'zod';
import type { Field } from './types.ts';
import {
  LIMITS,
  attachments,
  contact,
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
  textList,
  year,
} from './common.ts';

const projectNumber = () => text('项目编号', 100);
const projectName = () => orgName('项目名称');
const purchaser = () => orgName('采购人');
const agency = () => orgName('采购代理机构');
const method = () =>
  z
    .enum([
      'open-tender',
      'invited-tender',
      'competitive-negotiation',
      'competitive-consultation',
      'inquiry',
      'single-source',
      'framework-agreement',
    ])
    .describe(
      '采购方式（open-tender 公开招标／invited-tender 邀请招标／competitive-negotiation 竞争性谈判／' +
        'competitive-consultation 竞争性磋商／inquiry 询价／single-source 单一来源／framework-agreement 框架协议）',
    );

const procurementNotice = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  purchaser: purchaser(),
  agency: agency().optional(),
  method: method(),
  budget: money('预算金额（元）'),
  maxPrice: money('最高限价（元）').optional(),
  lots: list(
    z.strictObject({
      lotNumber: text('包号', 50),
      name: text('采购标的'),
      quantity: text('数量', 100).optional(),
      budget: money('预算金额（元）'),
      requirements: text('简要规格描述或需求', LIMITS.text).optional(),
    }),
    '采购包',
    200,
  ),
  supplierRequirements: longText('供应商资格要求'),
  documentsPeriod: period('获取采购文件期限'),
  documentsMethod: text('获取采购文件方式', LIMITS.shortText),
  deadline: dateTime('响应文件提交截止时间'),
  openingVenue: text('开启地点').optional(),
  contact: contact(),
});

const procurementDocuments = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  purchaser: purchaser(),
  issueDate: date('发布日期'),
  documents: attachments('采购文件'),
  note: text('说明', LIMITS.text).optional(),
});

const budget = z.strictObject({
  year: year(),
  purchaser: purchaser(),
  projectNumber: projectNumber().optional(),
  projectName: projectName(),
  amount: money('预算金额（元）'),
  fundingSource: text('资金来源', 100).optional(),
  items: list(z.strictObject({ name: text('品目'), amount: money('金额（元）') }), '预算明细').optional(),
});

const procurementResult = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  purchaser: purchaser(),
  agency: agency().optional(),
  method: method(),
  resultDate: date('中标或成交日期'),
  awards: list(
    z.strictObject({
      lotNumber: text('包号', 50).optional(),
      supplier: party('中标或成交供应商'),
      supplierAddress: text('供应商地址').optional(),
      amount: money('中标或成交金额（元）'),
      mainItems: text('主要标的信息', LIMITS.text).optional(),
    }),
    '中标或成交结果',
    200,
  ),
  reviewers: textList('评审专家名单', '专家姓名', 100).optional(),
  agencyFee: money('代理服务费（元）').optional(),
  contact: contact().optional(),
});

const contract = z.strictObject({
  contractNumber: documentNumber('合同编号'),
  projectNumber: projectNumber(),
  projectName: projectName(),
  purchaser: purchaser(),
  supplier: party('供应商'),
  subject: text('合同主要标的', LIMITS.text),
  amount: money('合同金额（元）'),
  signDate: date('签订日期'),
  performancePeriod: text('履约期限', 200).optional(),
  attachments: attachments('合同文本').optional(),
});

const complaintDecision = z.strictObject({
  kind: z.enum(['complaint', 'inspection']).describe('决定类型（complaint 投诉处理决定／inspection 监督检查处理决定）'),
  documentNumber: documentNumber(),
  projectNumber: projectNumber().optional(),
  projectName: projectName(),
  complainant: party('投诉人').optional(),
  respondents: list(party('被投诉人或被检查人'), '被投诉人或被检查人', 50).optional(),
  facts: longText('投诉事项或检查发现的问题'),
  basis: text('处理依据', LIMITS.text).optional(),
  decision: longText('处理决定'),
  authority: orgName('作出决定的财政部门'),
  decisionDate: date('决定日期'),
});

const agencyAssessment = z.strictObject({
  year: year('考核年度'),
  agencyName: orgName('集中采购机构'),
  assessor: orgName('考核部门'),
  assessmentDate: date('考核日期'),
  score: z.number().min(0).max(100).describe('考核得分').optional(),
  grade: text('考核等次', 50).optional(),
  findings: longText('考核情况'),
  problems: text('存在问题', LIMITS.longText).optional(),
  rectification: text('整改要求', LIMITS.longText).optional(),
});

const misconductRecord = z.strictObject({
  party: party('当事人'),
  misconduct: longText('违法失信行为'),
  basis: text('处罚依据', LIMITS.text),
  penalty: longText('处罚结果'),
  authority: orgName('处罚机关'),
  documentNumber: documentNumber('处罚决定书文号'),
  decisionDate: date('处罚日期'),
  exclusionPeriod: period('禁止参加政府采购活动期限').optional(),
});

export const procurement: Field = {
  code: 'procurement',
  name: '政府采购',
  itemTypes: [
    { code: 'procurement-notice', name: '采购项目公告', description: '政府采购项目的招标、谈判、磋商、询价或单一来源公告。', content: procurementNotice, closing: [{ path: 'deadline', label: '响应文件提交截止' }] },
    { code: 'procurement-documents', name: '采购文件', description: '政府采购项目的采购文件。', content: procurementDocuments },
    { code: 'budget', name: '预算金额', description: '政府采购项目的预算金额。', content: budget },
    { code: 'procurement-result', name: '采购结果', description: '政府采购项目的中标或成交结果。', content: procurementResult },
    { code: 'contract', name: '采购合同', description: '政府采购合同。', content: contract },
    { code: 'complaint-decision', name: '投诉和监督检查处理决定', description: '财政部门对政府采购投诉或监督检查作出的处理决定。', content: complaintDecision },
    { code: 'agency-assessment', name: '集中采购机构考核结果', description: '财政部门对集中采购机构的考核结果。', content: agencyAssessment },
    {
      code: 'misconduct-record',
      name: '违法失信行为记录',
      description: '政府采购当事人违法失信行为的行政处罚记录。',
      decision: 'penalty',
      content: misconductRecord,
    },
  ],
};
