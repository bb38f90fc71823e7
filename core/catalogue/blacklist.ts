/** 黑名单: 失信主体 published across all fields of public-resource allocation. */
import { z } from 'zod';
import type { Field } from './types.ts';
import { LIMITS, date, documentNumber, longText, orgName, party, period, text } from './common.ts';

const misconduct = z.strictObject({
  party: party('失信主体'),
  misconduct: longText('失信行为'),
  authority: orgName('认定机关'),
  decision: z
    .strictObject({
      documentNumber: documentNumber(),
      date: date('决定日期'),
      content: longText('决定内容'),
    })
    .describe('认定决定'),
  basis: text('认定依据', LIMITS.text).optional(),
  period: period('惩戒期限'),
});

export const blacklist: Field = {
  code: 'blacklist',
  name: '黑名单',
  itemTypes: [
    {
      code: 'misconduct',
      name: '失信行为',
      description: '被列入黑名单的失信主体、失信行为、认定决定和惩戒期限。',
      decision: 'penalty',
      content: misconduct,
    },
  ],
};
