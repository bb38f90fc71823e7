import { z } from 'zod';
import { staffAlertMappingProblems } from '../../channels/wechat/staff-alert-mapping.ts';
import { CHANNEL_MODES } from '../config-channels.ts';

/** What a target can be told about; all of them unless it says otherwise. */
export const STAFF_ALERT_EVENTS = ['spike', 'task-due', 'watchdog'] as const;
export type StaffAlertEventKind = (typeof STAFF_ALERT_EVENTS)[number];

const mapping = z
  .record(z.string(), z.string())
  .superRefine((value, ctx) => {
    for (const problem of staffAlertMappingProblems(value)) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('模板字段映射：模板关键词 → 提醒内容（event 提醒类型、title 事项、agency 机关、detail 详情、time 时间）');

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,39}$/, { error: 'must be 2-40 lowercase letters, digits or -' }).describe('接收方标识'),
  name: z.string().trim().min(1).max(40).optional().describe('名称（如：新闻办值班群）'),
  mode: z.enum(CHANNEL_MODES, { error: 'must be live, sandbox or off' }).describe('模式：live 正式、sandbox 沙箱、off 停用'),
  events: z
    .array(z.enum(STAFF_ALERT_EVENTS, { error: 'must be spike, task-due or watchdog' }))
    .min(1)
    .max(3)
    .default([...STAFF_ALERT_EVENTS])
    .describe('接收哪些提醒：spike 舆情预警、task-due 回应时限将到、watchdog 巡检发现'),
};

/**
 * A staff alert target as an admin saves it (POST /api/v1/staff-alerts/targets, `gongkai alerts
 * target save`). Keys, tokens and secrets are write-only: sealed at rest, never returned.
 */
export const staffAlertTargetInput = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('wecom-robot').describe('企业微信群机器人'),
      ...common,
      secrets: z
        .object({ key: z.string().regex(/^[A-Za-z0-9-]{8,100}$/, { error: 'must be the key of the robot’s webhook address (…/webhook/send?key=KEY)' }).optional().describe('Webhook 地址中的 key') })
        .strict()
        .default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('dingtalk-robot').describe('钉钉群自定义机器人'),
      ...common,
      keywords: z.array(z.string().trim().min(1).max(20)).max(10).optional().describe('机器人安全设置中的自定义关键词（至多 10 个）'),
      secrets: z
        .object({
          accessToken: z.string().regex(/^[A-Za-z0-9_-]{8,200}$/, { error: 'must be the access_token of the robot’s webhook address' }).optional().describe('Webhook 地址中的 access_token'),
          secret: z.string().regex(/^SEC[A-Za-z0-9_-]{8,200}$/, { error: 'must be the 加签 secret starting with SEC' }).optional().describe('加签密钥（SEC 开头）'),
        })
        .strict()
        .default({}),
    })
    .strict(),
  z
    .object({
      kind: z.literal('wechat-oa-staff').describe('公众号模板消息（发给一名工作人员）'),
      ...common,
      openid: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/, { error: 'must be the staff member’s openid under the official account' }).describe('工作人员在公众号下的 openid'),
      appId: z.string().regex(/^wx[0-9A-Za-z_-]{4,30}$/, { error: 'must be an app id starting with wx' }).optional().describe('公众号 AppID'),
      templateId: z.string().min(4).max(100).optional().describe('提醒所用模板 ID'),
      mapping: mapping.optional(),
      secrets: z.object({ secret: z.string().min(8, { error: 'must be the app secret' }).optional().describe('公众号 AppSecret') }).strict().default({}),
    })
    .strict(),
]);

export type StaffAlertTargetInput = z.output<typeof staffAlertTargetInput>;

/**
 * What `live` needs, per kind, checked after stored secrets are merged. A live DingTalk robot must
 * use 加签: its token alone lets anyone who learns the address post in the group.
 */
export const TARGET_LIVE_NEEDS: Record<StaffAlertTargetInput['kind'], string[]> = {
  'wecom-robot': ['secrets.key'],
  'dingtalk-robot': ['secrets.accessToken', 'secrets.secret'],
  'wechat-oa-staff': ['appId', 'templateId', 'mapping', 'secrets.secret'],
};

export const targetParams = z
  .object({
    kind: z.enum(['wecom-robot', 'dingtalk-robot', 'wechat-oa-staff'], { error: 'must be wecom-robot, dingtalk-robot or wechat-oa-staff' }),
    id: common.id,
  })
  .strict();
