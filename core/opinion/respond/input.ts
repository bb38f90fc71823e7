import { z } from 'zod';
import { codePoints, WEIBO_MAX_LENGTH } from '../../../channels/weibo/status-text.ts';
import { LIMITS } from '../../catalogue/common.ts';

const weiboId = (label: string) => z.string().regex(/^\d{1,20}$/, { error: '应为微博的数字编号（idstr）' }).describe(label);

export const respondInput = z
  .object({
    text: z.string().trim().min(2).max(LIMITS.longText).describe('回应内容（发布到微博时不超过140字）'),
    weibo: z
      .object({
        statusId: weiboId('要回复的微博（默认为该舆情所涉事项发布的微博）').optional(),
        commentId: weiboId('要回复的评论（缺省时直接评论该微博）').optional(),
      })
      .strict()
      .optional()
      .describe('在微博上回复'),
    publishItem: z.boolean().optional().describe('发布一条链接原事项的“回应”公开事项'),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (!input.weibo && !input.publishItem) {
      ctx.addIssue({ code: 'custom', path: ['publishItem'], message: '至少选择一个渠道：weibo 或 publishItem: true' });
    }
    if (input.weibo && codePoints(input.text) > WEIBO_MAX_LENGTH) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: `微博回复不能超过${WEIBO_MAX_LENGTH}字（现为${codePoints(input.text)}字）` });
    }
  });

export type RespondInput = z.infer<typeof respondInput>;

export const taskIdParam = z.object({
  id: z.string().regex(/^(alert|task):[A-Za-z0-9:._-]{1,200}$/, { error: 'must be a response task id (alert:… or task:…)' }),
});
