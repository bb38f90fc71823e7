/** 矿业权出让 (国办发〔2017〕97号 一(三)). */
import { z } from 'zod';
import type { Field } from './types.ts';
import {
  LIMITS,
  attachments,
  contact,
  date,
  documentNumber,
  list,
  longText,
  measure,
  money,
  orgName,
  party,
  period,
  text,
} from './common.ts';

const rightType = () => z.enum(['exploration', 'mining']).describe('矿业权类型（exploration 探矿权／mining 采矿权）');
const mineral = () => text('矿种', 100);
const location = () => text('地理位置');
const area = () => measure('面积（平方千米）');
/** Corner-point coordinates are published as one text block; a list of pairs would nest arrays. */
const coordinates = () => text('拐点坐标', LIMITS.longText);

const transferNotice = z.strictObject({
  noticeNumber: documentNumber('公告编号'),
  transferor: orgName('出让机关'),
  rightType: rightType(),
  method: z
    .enum(['tender', 'auction', 'listing', 'agreement'])
    .describe('出让方式（tender 招标／auction 拍卖／listing 挂牌／agreement 协议）'),
  projects: list(
    z.strictObject({
      name: orgName('项目名称'),
      mineral: mineral(),
      location: location(),
      area: area(),
      coordinates: coordinates().optional(),
      term: z.number().int().min(1).max(50).describe('出让年限（年）').optional(),
      startingPrice: money('起始价（元）').optional(),
      deposit: money('保证金（元）').optional(),
    }),
    '出让项目',
    100,
  ),
  eligibility: longText('竞买人或申请人条件'),
  applicationPeriod: period('报名或公示期'),
  venue: text('交易地点').optional(),
  contact: contact().optional(),
  attachments: attachments().optional(),
});

const approvalResult = z.strictObject({
  matter: z
    .enum(['new', 'extension', 'change', 'transfer', 'cancellation'])
    .describe('审批事项（new 新立／extension 延续／change 变更／transfer 转让／cancellation 注销）'),
  rightType: rightType(),
  projectName: orgName('项目名称'),
  rightHolder: party('矿业权人'),
  licenseNumber: text('许可证号', 100),
  mineral: mineral(),
  location: location(),
  area: area(),
  validity: period('有效期'),
  authority: orgName('审批机关'),
  documentNumber: documentNumber().optional(),
  approvalDate: date('审批日期'),
});

const projectInfo = z.strictObject({
  projectName: orgName('项目名称'),
  rightType: rightType(),
  rightHolder: party('矿业权人'),
  licenseNumber: text('许可证号', 100).optional(),
  mineral: mineral(),
  location: location(),
  area: area(),
  coordinates: coordinates().optional(),
  scale: text('生产规模或勘查工作程度', 200).optional(),
  transferPrice: money('出让收益（元）').optional(),
  validity: period('有效期').optional(),
  status: text('项目状态', 100).optional(),
});

export const mining: Field = {
  code: 'mining',
  name: '矿业权出让',
  itemTypes: [
    { code: 'transfer-notice', name: '出让公告公示', description: '探矿权、采矿权出让公告或协议出让公示。', content: transferNotice, closing: [{ path: 'applicationPeriod.to', label: '报名或公示期截止' }] },
    {
      code: 'approval-result',
      name: '审批结果',
      description: '矿业权审批（行政许可）结果。',
      decision: 'license',
      content: approvalResult,
    },
    { code: 'project-info', name: '项目信息', description: '矿业权勘查开采项目信息。', content: projectInfo },
  ],
};
