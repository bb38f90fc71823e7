import { z } from 'zod';
import { agencyCode, isoDate } from '../disclosures/input.ts';
import { REQUESTER_TYPES } from '../read-model/request-types.ts';
import { DECISION_CODES, decisionType } from './decisions.ts';
import { MAX_EXTENSION_WORKING_DAYS } from './clock.ts';
import { DELIVERY_FORMS, ID_TYPES } from './request.model.ts';

const text = (label: string, max: number) => z.string().trim().min(1, { error: `${label}不能为空` }).max(max, { error: `${label}不超过${max}字` }).describe(label);

/** 居民身份证: 17 digits and a check character (GB 11643). */
function validResidentId(value: string): boolean {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((s, w, i) => s + w * Number(value[i]), 0);
  return '10X98765432'[sum % 11] === value[17];
}

/** The request form (第二十九条): who asks, their ID and contact, what they want and in what form. */
export const submitRequestInput = z
  .object({
    agency: agencyCode.describe('受理机关代码'),
    requester: z
      .object({
        type: z.enum(REQUESTER_TYPES).describe('申请人类型：natural 自然人；法人或其他组织：commercial 商业企业、research 科研机构、nonprofit 社会公益组织、legal-services 法律服务机构、other 其他'),
        name: text('姓名或名称', 100),
        idType: z.enum(ID_TYPES).describe('身份证明类型'),
        idNumber: z.string().trim().toUpperCase().regex(/^[0-9A-Z-]{4,32}$/, { error: 'must be 4-32 letters, digits or -' }).describe('证件号码'),
        contact: z
          .object({
            phone: z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, { error: 'must be a phone number' }).optional().describe('联系电话'),
            email: z.email({ error: 'must be an email address' }).max(200).optional().describe('电子邮箱'),
            address: text('通信地址', 200).optional(),
          })
          .strict()
          .refine((c) => Boolean(c.phone || c.email || c.address), { error: 'give at least one of phone, email, address' })
          .describe('联系方式'),
      })
      .strict()
      .superRefine((r, ctx) => {
        if (r.idType === 'resident-id' && !validResidentId(r.idNumber)) ctx.addIssue({ code: 'custom', path: ['idNumber'], message: 'not a valid 居民身份证 number (18 characters, check digit)' });
        if (r.type === 'natural' && r.idType === 'credit-code') ctx.addIssue({ code: 'custom', path: ['idType'], message: 'a natural person identifies with a personal document' });
      }),
    description: text('所需政府信息的名称、文号或者便于查询的其他特征性描述', 2000),
    delivery: z.enum(DELIVERY_FORMS).describe('获取信息的形式：paper-post 纸质邮寄、paper-pickup 纸质自取、email 电子邮件、disc 光盘、online 在线、inspect 查阅抄录'),
  })
  .strict();

export type SubmitRequestInput = z.infer<typeof submitRequestInput>;

/** An in-person or posted request, entered by staff with the day it was received (第三十一条). */
export const registerRequestInput = submitRequestInput
  .omit({ agency: true })
  .extend({
    channel: z.enum(['in-person', 'post']).describe('in-person 当面提交（提交之日为收到之日）；post 邮寄（签收之日为收到之日）'),
    receivedOn: isoDate.describe('收到申请之日'),
  })
  .strict();

export const receiptParam = z.object({ id: z.string().regex(/^Y\d{8}-[0-9A-Z]{8}$/, { error: 'must be a receipt number such as Y20261009-7K3M9QXD' }) });

export const statusQuery = z.object({ code: z.string().regex(/^[0-9A-Z]{10}$/, { error: 'must be the 10-character access code' }).describe('查询码') }).strict();

export const agencyListQuery = z
  .object({
    open: z.enum(['true', 'false']).optional().describe('只列未办结的'),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

const note = z.string().trim().max(500).optional().describe('告知申请人的说明');

export const receiveInput = z.object({ on: isoDate.optional().describe('收到申请之日（在线提交为双方确认之日），默认今天'), note }).strict();
export const assignInput = z.object({ assignee: text('承办人', 60) }).strict();
export const correctionInput = z
  .object({ items: text('需要补正的事项（一次性告知）', 1000), dueOn: isoDate.describe('合理的补正期限（最后一日）') })
  .strict();
export const correctedInput = z.object({ on: isoDate.optional().describe('收到补正之日，默认今天'), description: text('补正后的描述', 2000).optional(), note }).strict();
export const consultationInput = z
  .object({ party: z.enum(['third-party', 'agency']).describe('third-party 第三方（第三十二条）；agency 其他机关（第三十三条第三款）'), note })
  .strict();
export const endConsultationInput = z.object({ note }).strict();
export const extendInput = z
  .object({
    days: z.number().int().min(1).max(MAX_EXTENSION_WORKING_DAYS).describe('延长的工作日数（最长20个工作日）'),
    approver: text('批准延期的政府信息公开工作机构负责人', 60),
    reason: text('延期理由（告知申请人）', 500),
  })
  .strict();
export const abandonInput = z.object({ note }).strict();

const attachment = z.object({ name: text('附件名称', 200), url: z.url({ protocol: /^https?$/ }).max(1000), sha256: z.string().regex(/^[0-9a-f]{64}$/).optional() }).strict();

export const replyInput = z
  .object({
    decision: z.enum(DECISION_CODES).describe('答复类型（第三十六条）'),
    reason: z.string().regex(/^[a-z-]{2,40}$/).optional().describe('理由代码（不予公开、无法提供、不予处理时必填）'),
    text: text('答复内容', 5000),
    location: text('已公开信息的获取方式、途径', 500).optional(),
    url: z.url({ protocol: /^https?$/ }).max(1000).optional(),
    information: text('提供的信息，或获取的方式、途径和时间', 20000).optional(),
    attachments: z.array(attachment).max(20).optional(),
    withheldReason: text('不予公开部分的理由', 1000).optional(),
    responsibleAgency: text('负责公开该信息的机关名称和联系方式', 200).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const type = decisionType(r.decision);
    if (!type) return;
    if (type.reasons?.length) {
      if (!r.reason || !type.reasons.some((x) => x.code === r.reason)) {
        ctx.addIssue({ code: 'custom', path: ['reason'], message: `one of ${type.reasons.map((x) => x.code).join(', ')}` });
      }
    } else if (r.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: `${r.decision} takes no reason` });
    for (const field of type.requires ?? []) {
      if (field === 'information' ? !(r.information || r.attachments?.length) : !r[field]) {
        ctx.addIssue({ code: 'custom', path: [field], message: `required for ${r.decision}` });
      }
    }
    if (r.decision === 'already-public' && !r.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'required for already-public: the link to the published information' });
  });

export type ReplyInput = z.infer<typeof replyInput>;

export const publishReplyInput = z
  .object({
    title: text('标题', 200),
    summary: text('摘要（不得含申请人个人信息）', 2000),
    region: z.string().regex(/^\d{6}$/, { error: 'must be a 6-digit 行政区划代码' }),
    field: z.enum(['housing', 'land', 'mining', 'procurement', 'state-assets', 'bidding', 'blacklist']).describe('所属领域'),
  })
  .strict();
