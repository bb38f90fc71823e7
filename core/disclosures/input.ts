import { z } from 'zod';
import { FIELD_CODES } from '../catalogue/types.ts';
import { RESPONSIBILITY_BASES, WITHHOLD_BASES } from '../models/disclosure.model.ts';

/** A real calendar date written YYYY-MM-DD. */
export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date YYYY-MM-DD' })
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, { error: 'must be a real calendar date' });

export const regionCode = z.string().regex(/^\d{6}$/, { error: 'must be a 6-digit 行政区划代码' });
/** An agency's stable code (see `npx gongkai agency create`). */
export const agencyCode = z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be 2-40 lowercase letters, digits or -' });
/** An item type code from the catalogue. */
export const itemTypeCode = z.string().regex(/^[a-z0-9-]{1,60}$/, { error: 'must be an item type code from /api/v1/catalogue' });
export const projectCode = z.string().regex(/^[A-Za-z0-9-]{1,60}$/, { error: 'must be 1-60 letters, digits or -' });

const attachment = z
  .object({
    name: z.string().trim().min(1).max(200).describe('附件名称'),
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(2000)
      .describe('下载地址'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, { error: 'must be the file’s SHA-256, 64 lowercase hex digits' })
      .describe('SHA-256 校验值'),
  })
  .strict()
  // A file uploaded here (POST /api/v1/attachments) is named by its hash in its URL: the two must agree.
  .refine((a) => {
    const uploaded = URL.canParse(a.url) ? /\/attachments\/([0-9a-f]{64})\/[^/]+$/.exec(new URL(a.url).pathname) : null;
    return !uploaded || uploaded[1] === a.sha256;
  }, { path: ['sha256'], error: 'must be the SHA-256 in the attachment’s /attachments/<sha256>/ URL' });

const withheld = z
  .object({
    path: z.string().min(1).max(100).describe('不予公开的内容项（content 的键名）'),
    basis: z.enum(WITHHOLD_BASES).describe('不予公开的依据'),
  })
  .strict();

const title = z.string().trim().min(2).max(200).describe('标题');
const content = z.record(z.string(), z.unknown()).describe('按事项类型要求的结构化内容（见 /api/v1/catalogue）');
const attachments = z.array(attachment).max(50).describe('附件');
const withheldList = z.array(withheld).max(50).describe('依法不予公开的内容项');

export const createDisclosureInput = z
  .object({
    field: z.enum(FIELD_CODES).describe('领域'),
    itemType: z.string().min(1).max(60).describe('事项类型'),
    title,
    region: regionCode.describe('行政区划代码'),
    projectCode: projectCode.optional().describe('项目代码'),
    broadcast: z.boolean().optional().describe('是否通过公众号群发（每位关注者每月最多4次）'),
    formedAt: isoDate.describe('形成或变更日期'),
    basis: z.enum(RESPONSIBILITY_BASES).describe('公开责任依据：批准/实施/制作'),
    content,
    attachments: attachments.default([]),
    withheld: withheldList.default([]),
  })
  .strict();

export type CreateDisclosureInput = z.infer<typeof createDisclosureInput>;

export const reviseDisclosureInput = z
  .object({
    title: title.optional(),
    content: content.optional(),
    attachments: attachments.optional(),
    withheld: withheldList.optional(),
    note: z.string().trim().min(2).max(2000).optional().describe('变更说明（公开）'),
  })
  .strict();

export type ReviseDisclosureInput = z.infer<typeof reviseDisclosureInput>;

export const withdrawDisclosureInput = z
  .object({ reason: z.string().trim().min(2).max(2000).describe('撤回理由（公开）') })
  .strict();

export const idParam = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/, { error: 'must be a disclosure id (24 hex digits)' }),
});

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{8,128}$/, { error: 'must be 8-128 letters, digits or ._:-' })
  .optional();
