/** 回应: an agency's public answer to public opinion on one of its disclosures, in any field. */
import { z } from 'zod';
import type { ItemType } from './types.ts';
import { longText, text } from './common.ts';

const response = z.strictObject({
  respondsTo: z
    .string()
    .regex(/^[0-9a-f]{24}$/, '应为所回应公开事项的编号（24位十六进制）')
    .describe('所回应的公开事项编号'),
  text: longText('回应内容'),
  summary: text('摘要', 200).optional(),
});

export const RESPONSE_ITEM_TYPE = 'response';

export const responseItemType: ItemType = {
  code: RESPONSE_ITEM_TYPE,
  name: '回应',
  description: '针对本机关已公开事项的舆情回应，链接所回应的原事项。',
  content: response,
};
