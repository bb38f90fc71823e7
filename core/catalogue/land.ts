/** 国有土地使用权出让 (国办发〔2017〕97号 一(二)). */
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
  measure,
  money,
  orgName,
  party,
  period,
  text,
  year,
  years,
} from './common.ts';

const region = () => text('行政区域', 100);
const landUse = () => text('土地用途', 100);
const parcelNumber = () => text('宗地编号', 100);

/** Competitive transfers; 划拨 and 协议 only appear in supply results. */
const competitiveMethod = () => z.enum(['tender', 'auction', 'listing']).describe('出让方式（tender 招标／auction 拍卖／listing 挂牌）');

const supplyPlan = z.strictObject({
  year: year(),
  region: region(),
  totalArea: measure('计划供应总面积（公顷）'),
  breakdown: list(
    z.strictObject({ use: landUse(), area: measure('面积（公顷）') }),
    '按用途分列',
    50,
  ),
  approvedBy: orgName('批准机关').optional(),
  approvalDate: date('批准日期').optional(),
  content: longText('计划说明').optional(),
  attachments: attachments().optional(),
});

const transferNotice = z.strictObject({
  noticeNumber: documentNumber('公告编号'),
  transferor: orgName('出让人'),
  method: competitiveMethod(),
  parcels: list(
    z.strictObject({
      parcelNumber: parcelNumber(),
      location: text('土地位置'),
      area: measure('出让面积（平方米）'),
      use: landUse(),
      term: years('出让年限（年）'),
      plotRatio: text('容积率', 100).optional(),
      planningConditions: text('规划条件', LIMITS.text).optional(),
      startingPrice: money('起始价（元）'),
      deposit: money('竞买保证金（元）'),
      increment: money('增价幅度（元）').optional(),
    }),
    '出让宗地',
    100,
  ),
  eligibility: longText('竞买人资格'),
  applicationPeriod: period('竞买申请期'),
  biddingStart: dateTime('挂牌或拍卖开始时间').optional(),
  biddingEnd: dateTime('挂牌截止或投标截止时间').optional(),
  venue: text('交易地点').optional(),
  contact: contact().optional(),
  attachments: attachments().optional(),
});

const dealPublicity = z.strictObject({
  noticeNumber: documentNumber('出让公告编号').optional(),
  transferor: orgName('出让人'),
  method: competitiveMethod(),
  dealDate: date('成交日期'),
  parcels: list(
    z.strictObject({
      parcelNumber: parcelNumber(),
      location: text('土地位置'),
      area: measure('面积（平方米）'),
      use: landUse(),
      term: years('出让年限（年）').optional(),
      winner: party('竞得人'),
      price: money('成交价（元）'),
    }),
    '成交宗地',
    100,
  ),
  publicityPeriod: period('公示期'),
  objectionChannel: text('异议渠道', LIMITS.shortText).optional(),
});

const supplyResult = z.strictObject({
  supervisionNumber: text('电子监管号', 50).optional(),
  projectName: orgName('项目名称'),
  location: text('项目位置'),
  area: measure('面积（公顷）'),
  use: landUse(),
  supplyMethod: z
    .enum(['allocation', 'agreement', 'tender', 'auction', 'listing'])
    .describe('供地方式（allocation 划拨／agreement 协议／tender 招标／auction 拍卖／listing 挂牌）'),
  landUser: party('土地使用权人'),
  term: years('土地使用年限（年）').optional(),
  price: money('成交价格（元）').optional(),
  plotRatio: text('约定容积率', 100).optional(),
  contractNumber: documentNumber('合同编号').optional(),
  signDate: date('合同签订日期'),
  deliveryDate: date('约定交地时间').optional(),
  commencementDate: date('约定开工时间').optional(),
  completionDate: date('约定竣工时间').optional(),
});

export const land: Field = {
  code: 'land',
  name: '国有土地使用权出让',
  itemTypes: [
    { code: 'supply-plan', name: '土地供应计划', description: '国有建设用地年度供应计划。', content: supplyPlan },
    {
      code: 'transfer-notice',
      name: '出让公告',
      description: '国有土地使用权招标、拍卖、挂牌出让公告。',
      content: transferNotice,
      closing: [
        { path: 'biddingEnd', label: '挂牌（投标）截止' },
        { path: 'applicationPeriod.to', label: '竞买申请截止' },
      ],
    },
    { code: 'deal-publicity', name: '成交公示', description: '国有土地使用权出让成交结果公示。', content: dealPublicity, closing: [{ path: 'publicityPeriod.to', label: '公示期截止' }] },
    { code: 'supply-result', name: '供应结果', description: '国有建设用地供应结果（供地结果）。', content: supplyResult },
  ],
};
