/** 国有产权交易 (国办发〔2017〕97号 一(五)). */
import { z } from 'zod';
import type { Field } from './types.ts';
import {
  LIMITS,
  attachments,
  contact,
  date,
  documentNumber,
  longText,
  money,
  orgName,
  party,
  percent,
  period,
  signedMoney,
  text,
} from './common.ts';

const projectNumber = () => text('项目编号', 100);
const projectName = () => orgName('项目名称');
const transactionType = () =>
  z
    .enum(['equity-transfer', 'capital-increase', 'asset-transfer'])
    .describe('交易类型（equity-transfer 产权转让／capital-increase 企业增资／asset-transfer 资产转让）');

const decisionApproval = z.strictObject({
  projectName: projectName(),
  transactionType: transactionType(),
  target: party('标的企业或资产持有单位'),
  transferor: party('转让方或增资企业'),
  decision: z
    .strictObject({
      body: orgName('决策机构（如董事会、股东会）'),
      form: text('决策文件类型', 100),
      date: date('决策日期'),
    })
    .describe('内部决策'),
  approval: z
    .strictObject({
      authority: orgName('批准单位'),
      documentNumber: documentNumber('批准文号').optional(),
      date: date('批准日期'),
    })
    .describe('批准'),
});

const transactionProject = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  exchange: orgName('产权交易机构'),
  transactionType: transactionType(),
  target: party('标的企业或资产持有单位'),
  transferor: party('转让方或增资企业'),
  shareRatio: percent('拟转让或增资比例（%）').optional(),
  listingPeriod: period('信息披露期'),
  listingPrice: money('挂牌价（元）'),
  assessedValue: money('评估值（元）').optional(),
  targetOverview: text('标的基本情况', LIMITS.longText),
  buyerConditions: text('受让方或投资方资格条件', LIMITS.longText).optional(),
  tradingMethod: text('交易方式', 100).optional(),
  contact: contact().optional(),
  attachments: attachments().optional(),
});

const transferPrice = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  appraiser: party('资产评估机构'),
  appraisalReportNumber: documentNumber('评估报告文号'),
  appraisalDate: date('评估基准日'),
  filingNumber: documentNumber('评估核准或备案文号').optional(),
  assessedValue: money('评估值（元）'),
  listingPrice: money('转让底价（元）'),
  pricingBasis: text('定价依据', LIMITS.text).optional(),
  priceDate: date('确定日期'),
});

const transactionPrice = z.strictObject({
  projectNumber: projectNumber(),
  projectName: projectName(),
  transferee: party('受让方或投资方'),
  tradingMethod: z
    .enum(['agreement', 'auction', 'bidding', 'online-bidding', 'tender'])
    .describe('成交方式（agreement 协议／auction 拍卖／bidding 竞价／online-bidding 网络竞价／tender 招投标）'),
  transactionPrice: money('成交价（元）'),
  transactionDate: date('成交日期'),
  contractDate: date('合同签订日期').optional(),
  paymentMethod: text('价款支付方式', LIMITS.shortText).optional(),
});

const auditResult = z.strictObject({
  projectNumber: projectNumber().optional(),
  projectName: projectName(),
  auditedEntity: party('被审计单位'),
  auditFirm: party('会计师事务所'),
  reportNumber: documentNumber('审计报告文号'),
  reportDate: date('报告日期'),
  auditPeriod: period('审计期间').optional(),
  opinion: z
    .enum(['unqualified', 'qualified', 'adverse', 'disclaimer'])
    .describe('审计意见类型（unqualified 无保留意见／qualified 保留意见／adverse 否定意见／disclaimer 无法表示意见）'),
  figures: z
    .strictObject({
      totalAssets: money('资产总额（元）'),
      totalLiabilities: money('负债总额（元）'),
      netAssets: signedMoney('所有者权益（元）'),
      revenue: money('营业收入（元）').optional(),
      netProfit: signedMoney('净利润（元）').optional(),
    })
    .describe('主要财务数据'),
  summary: longText('审计结论').optional(),
});

export const stateAssets: Field = {
  code: 'state-assets',
  name: '国有产权交易',
  itemTypes: [
    { code: 'decision-approval', name: '交易决策及批准', description: '国有产权交易的内部决策和批准情况。', content: decisionApproval },
    { code: 'transaction-project', name: '交易项目', description: '在产权交易机构披露的国有产权交易项目信息。', content: transactionProject, closing: [{ path: 'listingPeriod.to', label: '信息披露期截止' }] },
    { code: 'transfer-price', name: '转让价格', description: '国有产权转让的评估值和转让底价。', content: transferPrice },
    { code: 'transaction-price', name: '交易价格', description: '国有产权交易的成交价格。', content: transactionPrice },
    { code: 'audit-result', name: '中介机构审计结果', description: '相关中介机构对交易标的的审计结果。', content: auditResult },
  ],
};
