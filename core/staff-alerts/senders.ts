import { SANDBOX_APPS } from '../../channels/registry.ts';
import { SANDBOX_ROBOTS } from '../../channels/sandbox/robots/robot-state.ts';
import { createDingtalkRobot, DINGTALK_API_BASE } from '../../channels/staff-alerts/dingtalk-robot.ts';
import { createOaStaffSender } from '../../channels/staff-alerts/oa-staff.ts';
import { StaffAlertError, type StaffAlertSender } from '../../channels/staff-alerts/types.ts';
import { createWecomRobot, WECOM_API_BASE } from '../../channels/staff-alerts/wecom-robot.ts';
import { SANDBOX_STAFF_ALERT_MAPPING, type StaffAlertMapping } from '../../channels/wechat/staff-alert-mapping.ts';
import { WECHAT_API_BASE, WechatClient } from '../../channels/wechat/wechat-client.ts';
import type { TokenStore } from '../../channels/types.ts';
import type { SealKeys } from '../crypto/sealed.ts';
import { openTargetSecrets, type StaffAlertTargetRecord } from './targets.ts';

/** What building a target's sender needs from the process (wired by cli/serve.ts, or by a test). */
export interface StaffAlertWiring {
  /** DATA_ENCRYPTION_KEY: opens the targets' sealed secrets. */
  keys?: SealKeys;
  /** Links in the notices point here (/press). */
  publicBaseUrl: string;
  /** The running local sandbox, for targets in sandbox mode. */
  sandboxUrl?: string;
  /** The WeChat access tokens shared by every process (the same store as the delivery channels). */
  tokenStore: TokenStore;
  /** Real platforms' bases for live targets (default the vendors' own). */
  bases?: { wecom?: string; dingtalk?: string; wechat?: string };
  timeoutMs?: number;
  /** DingTalk's signing clock, epoch ms (default Date.now). */
  clock?: () => number;
}

const configError = (target: StaffAlertTargetRecord, code: string, message: string) => new StaffAlertError(target.kind, code, message, 'fail');

/**
 * The sender for a target in its mode: `live` against the real platform with the target's own
 * credentials, `sandbox` against the local sandbox (with the target's credentials when it has
 * any, else the sandbox's own robot or app). Nothing falls back from one mode to the other.
 */
export function senderFor(target: StaffAlertTargetRecord, wiring: StaffAlertWiring): StaffAlertSender {
  const live = target.mode === 'live';
  if (!live && !wiring.sandboxUrl) throw configError(target, 'no-sandbox', 'the target is in sandbox mode but this process runs no sandbox');
  if (Object.keys(target.secrets).length && !wiring.keys) throw configError(target, 'no-data-key', 'DATA_ENCRYPTION_KEY is needed to open the target’s secrets');
  const secrets = wiring.keys ? openTargetSecrets(wiring.keys, target) : {};
  const base = (real: string) => (live ? real : wiring.sandboxUrl!);
  const timeoutMs = wiring.timeoutMs ?? 10_000;
  if (target.kind === 'wecom-robot') {
    const key = secrets.key ?? (live ? undefined : SANDBOX_ROBOTS.wecom.key);
    if (!key) throw configError(target, 'incomplete', 'a live WeCom robot needs its key');
    return createWecomRobot({ key, baseUrl: base(wiring.bases?.wecom ?? WECOM_API_BASE), timeoutMs });
  }
  if (target.kind === 'dingtalk-robot') {
    // The sandbox's own robot is used only as a whole: its token with its secret, unless a secret is given.
    const accessToken = secrets.accessToken ?? (live ? undefined : SANDBOX_ROBOTS.dingtalk.accessToken);
    const secret = secrets.secret ?? (live || secrets.accessToken ? undefined : SANDBOX_ROBOTS.dingtalk.secret);
    if (!accessToken) throw configError(target, 'incomplete', 'a live DingTalk robot needs its access token');
    const keywords = target.settings.keywords as string[] | undefined;
    return createDingtalkRobot({
      accessToken,
      ...(secret ? { secret } : {}),
      ...(keywords?.length ? { keywords } : {}),
      baseUrl: base(wiring.bases?.dingtalk ?? DINGTALK_API_BASE),
      timeoutMs,
      ...(wiring.clock ? { clock: wiring.clock } : {}),
    });
  }
  const settings = target.settings as { openid: string; appId?: string; templateId?: string; mapping?: StaffAlertMapping };
  const app = live ? { appId: settings.appId, secret: secrets.secret, templateId: settings.templateId } : SANDBOX_APPS.oa;
  if (!app.appId || !app.secret || !app.templateId || (live && !settings.mapping)) throw configError(target, 'incomplete', 'a live official-account target needs appId, templateId, mapping and its secret');
  const client = new WechatClient({ appId: app.appId, secret: app.secret, baseUrl: base(wiring.bases?.wechat ?? WECHAT_API_BASE), tokenStore: wiring.tokenStore, timeoutMs });
  return createOaStaffSender({ client, templateId: app.templateId, mapping: live ? settings.mapping! : SANDBOX_STAFF_ALERT_MAPPING, openid: settings.openid });
}
