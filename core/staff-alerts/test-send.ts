import type { Connection } from 'mongoose';
import { StaffAlertError } from '../../channels/staff-alerts/types.ts';
import type { Principal } from '../agencies/api-keys.ts';
import { actorKind, recordAudit } from '../audit.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { senderFor, type StaffAlertWiring } from './senders.ts';
import { staffAlertTargets, targetId } from './targets.ts';

export interface TestSendResult {
  sent: boolean;
  mode: 'live' | 'sandbox';
  /** The vendor's code and words when it refused (93000, 310000 …), never a credential. */
  code?: string;
  reason?: string;
  /** Whether trying again later could help (a rate limit, a timeout) or the settings must change. */
  retryable?: boolean;
}

/**
 * Sends one 测试消息 through a target at once, so an admin sees the robot or the officer's phone
 * receive it (or the vendor's refusal) while configuring. Each call is one message: nothing is
 * queued or retried. A target that is off is 409.
 */
export async function sendTestAlert(db: Connection, wiring: StaffAlertWiring, principal: Principal, kind: string, id: string, now: Date): Promise<TestSendResult> {
  const target = await staffAlertTargets(db).findOne({ _id: targetId(principal.agencyCode, kind, id) });
  if (!target) throw new NotFoundError(`no ${kind} target ${id}`);
  if (target.mode === 'off') throw new ConflictError('the target is off: set its mode to live or sandbox first', [{ path: 'mode', message: 'off' }]);
  const agency = await agencyModel(db).findOne({ code: principal.agencyCode }, { name: 1 }).lean();
  const mode = target.mode;
  let result: TestSendResult;
  try {
    await senderFor(target, wiring).send({
      key: `test:${target._id}:${now.toISOString()}`,
      event: '测试消息',
      title: '舆情提醒渠道配置测试',
      agencyName: agency?.name ?? principal.agencyCode,
      lines: ['收到此消息说明提醒渠道配置正确，舆情预警、回应时限和巡检发现将发到这里'],
      url: `${wiring.publicBaseUrl.replace(/\/+$/, '')}/press`,
      at: now,
    });
    result = { sent: true, mode };
  } catch (error) {
    const failure = error instanceof StaffAlertError ? error : new StaffAlertError(target.kind, 'unexpected', 'the send failed unexpectedly', 'retry');
    result = { sent: false, mode, code: failure.code, reason: failure.message, retryable: failure.action === 'retry' };
  }
  await recordAudit(db, {
    action: 'staff-alert-target.test',
    actor: { kind: actorKind(principal.keyId), keyId: principal.keyId, role: principal.role, agencyCode: principal.agencyCode },
    agencyCode: principal.agencyCode,
    subject: target._id,
    detail: { sent: result.sent, ...(result.code ? { code: result.code } : {}) },
    at: now,
  });
  return result;
}
