import { isIP } from 'node:net';
import type { WeiboReplier, WeiboReplyResult } from '../../../channels/weibo/weibo-reply.ts';
import type { Principal } from '../../agencies/api-keys.ts';
import { todayInChina } from '../../calendar/due-date.ts';
import { claimId } from '../../store/claims.ts';
import { canonicalJson, sha256 } from '../../disclosures/canonical.ts';
import type { DisclosureDeps } from '../../disclosures/deps.ts';
import { ConflictError, UnavailableError, ValidationError } from '../../errors.ts';
import type { ResponseTaskRecord } from '../../models/response-task.model.ts';
import { transitionTask } from '../tasks.ts';
import { taskOf } from '../records.ts';
import type { RespondInput } from './input.ts';
import { publishResponseItem, requireRespondableOriginal } from './response-item.ts';
import { postReplyOnce, respondRecords, weiboClaimed } from './weibo-once.ts';
import { resolveWeiboTarget } from './weibo-target.ts';

export interface RespondDeps {
  disclosures: DisclosureDeps;
  /** The agency account's Weibo; absent when none is configured (then only items can be published). */
  weibo?: WeiboReplier;
}

export interface RespondResult {
  taskId: string;
  status: ResponseTaskRecord['status'];
  respondedAt?: Date;
  weibo?: WeiboReplyResult;
  item?: { id: string; status: string };
  /** true when an earlier identical request already did all of it. */
  replayed: boolean;
}

/** `respond:${taskId}`: the first request's body and progress, so a retry resumes or replays it. */
interface RespondRecord {
  _id: string;
  taskId: string;
  agencyCode: string;
  by: string;
  requestHash: string;
  /** 形成日期 of the 回应 item, fixed at the first attempt so a retry makes the same request. */
  formedAt: string;
  at: Date;
  disclosureId?: string;
  result?: Omit<RespondResult, 'replayed'>;
}

/**
 * Answers a response task: publishes a 回应 item and/or a Weibo reply, then records the response on
 * the task. Everything is checked before anything is posted; each step is idempotent (the item by
 * its Idempotency-Key, the reply by an inserted claim), so a retry after any failure finishes the
 * job without posting twice, and a retry after success returns the first result.
 */
export async function respondToTask(
  deps: RespondDeps,
  principal: Principal,
  taskId: string,
  input: RespondInput,
  /** Who asked: the staff member's client address goes to Weibo as `rip` (required on comment calls). */
  requester: { ip?: string } = {},
): Promise<RespondResult> {
  const { db } = deps.disclosures;
  const records = respondRecords<RespondRecord>(db);
  const _id = `respond:${taskId}`;
  const requestHash = sha256(canonicalJson({ text: input.text, weibo: input.weibo ?? null, publishItem: input.publishItem ?? false }));

  const task = await taskOf(db, principal.agencyCode, taskId);
  const earlier = await records.findOne({ _id });
  if (earlier && earlier.requestHash !== requestHash) {
    throw new ConflictError('this task was already answered with another response', [{ path: 'text', message: '该任务已用另一回应内容发布' }]);
  }
  if (earlier?.result) return { ...earlier.result, replayed: true };
  // `responded` with our record: an earlier attempt got as far as the task, and finishes now.
  const resumable = task.status === 'open' || task.status === 'acknowledged' || (task.status === 'responded' && earlier);
  if (!resumable) {
    throw new ConflictError(`the task is ${task.status}: only an open or acknowledged task can be answered`, [{ path: 'status', message: task.status }]);
  }

  // Every check before any post: a refusal must not leave half a response behind.
  if (input.publishItem) {
    if (!task.disclosureId) {
      throw new ValidationError('the task names no disclosure to respond to', [{ path: 'publishItem', message: '该舆情任务未关联公开事项，无法发布回应事项' }]);
    }
    await requireRespondableOriginal(db, principal.agencyCode, task.disclosureId, 'publishItem');
  }
  if (input.weibo && !deps.weibo) throw new UnavailableError('未配置微博账号，无法在微博上回复');
  const target = input.weibo ? await resolveWeiboTarget(db, principal.agencyCode, input.weibo, task.disclosureId) : undefined;

  const now = deps.disclosures.now();
  const mine: RespondRecord = { _id, taskId, agencyCode: principal.agencyCode, by: principal.keyId, requestHash, formedAt: todayInChina(now), at: now };
  const record = (await claimId(records, mine)) ? mine : ((await records.findOne({ _id })) ?? mine);
  if (record.requestHash !== requestHash) {
    throw new ConflictError('this task is being answered with another response', [{ path: 'text', message: '该任务正在以另一回应内容发布' }]);
  }

  let item: RespondResult['item'];
  let weibo: WeiboReplyResult | undefined;
  try {
    if (input.publishItem) {
      const published = await publishResponseItem(deps.disclosures, principal, {
        respondsTo: task.disclosureId!,
        text: input.text,
        idempotencyKey: `respond-${taskId}`,
        formedAt: record.formedAt,
      });
      item = { id: published._id.toHexString(), status: published.status };
      await records.updateOne({ _id }, { $set: { disclosureId: item.id } });
    }
    weibo = target ? await postReplyOnce(db, deps.weibo!, taskId, target, input.text, deps.disclosures.now, clientIp(requester.ip)) : undefined;
  } catch (error) {
    // Nothing went out: the officer may change the answer (e.g. shorten it) instead of retrying this one.
    if (!item && !record.disclosureId && !(await weiboClaimed(db, taskId))) await records.deleteOne({ _id, requestHash });
    throw error;
  }

  const answered = await transitionTask(
    db,
    {
      taskId,
      agencyCode: principal.agencyCode,
      by: principal.keyId,
      action: 'respond',
      response: { text: input.text, ...(weibo ? { weiboCommentId: weibo.commentId } : {}), ...(item ? { disclosureId: item.id } : {}) },
    },
    deps.disclosures.now(),
  );
  const result: Omit<RespondResult, 'replayed'> = {
    taskId,
    status: answered.status,
    ...(answered.respondedAt ? { respondedAt: answered.respondedAt } : {}),
    ...(weibo ? { weibo } : {}),
    ...(item ? { item } : {}),
  };
  await records.updateOne({ _id }, { $set: { result } });
  return { ...result, replayed: false };
}

/** The request's client address as Weibo wants `rip`: IPv4-mapped IPv6 unwrapped; anything else dropped (the server's is used). */
function clientIp(ip: string | undefined): string | undefined {
  const bare = ip?.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return bare && isIP(bare) ? bare : undefined;
}
