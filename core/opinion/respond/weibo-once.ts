import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { WeiboReplier, WeiboReplyResult } from '../../../channels/weibo/weibo-reply.ts';
import { claimId } from '../../store/claims.ts';
import { ConflictError } from '../../errors.ts';
import type { WeiboTarget } from './weibo-target.ts';
import { weiboReplyError, WeiboReplyError } from './weibo-outcome.ts';

/**
 * `respond:${taskId}:weibo`: inserted before the reply is posted, so however many requests or
 * processes retry a response, one of them talks to Weibo. A definite refusal deletes it (nothing
 * was posted, a retry may try again); a lost answer leaves it `unknown` for a human to check.
 */
export interface WeiboPostClaim {
  _id: string;
  taskId: string;
  state: 'posting' | 'posted' | 'unknown';
  statusId: string;
  commentId?: string;
  result?: WeiboReplyResult;
  at: Date;
}

export const respondRecords = <T extends { _id: string }>(db: Connection) => db.collection('opinion_responses') as unknown as Collection<T>;

/** Posts the reply once per task; a retry gets the first post's result. */
export async function postReplyOnce(
  db: Connection,
  replier: WeiboReplier,
  taskId: string,
  target: WeiboTarget,
  text: string,
  now: () => Date,
  /** The requesting staff member's address, sent as `rip`; absent, the replier's server address. */
  rip?: string,
): Promise<WeiboReplyResult> {
  const claims = respondRecords<WeiboPostClaim>(db);
  const _id = `respond:${taskId}:weibo`;
  const claim: WeiboPostClaim = { _id, taskId, state: 'posting', ...target, at: now() };
  if (!(await claimId(claims, claim))) {
    const first = await claims.findOne({ _id });
    if (first?.state === 'posted' && first.result) return first.result;
    if (first?.state === 'unknown') {
      throw new WeiboReplyError(409, 'weibo_outcome_unknown', '上次发送微博回复时微博未应答，回复可能已发出：请先在微博上核实，再联系管理员处理', [
        { path: 'weibo', message: '发送结果未知' },
      ]);
    }
    throw new ConflictError('这条微博回复正在发送，请稍后刷新查看结果', [{ path: 'weibo', message: '正在发送' }]);
  }
  let result: WeiboReplyResult;
  try {
    result = await replier.reply({ ...target, text, ...(rip ? { rip } : {}) });
  } catch (error) {
    const mapped = weiboReplyError(error, now());
    if (mapped.outcomeUnknown) await claims.updateOne({ _id }, { $set: { state: 'unknown', at: now() } });
    else await claims.deleteOne({ _id });
    throw mapped;
  }
  await claims.updateOne({ _id }, { $set: { state: 'posted', result, at: now() } });
  return result;
}

/** Whether a reply for the task was posted, is being posted, or may have been. */
export async function weiboClaimed(db: Connection, taskId: string): Promise<boolean> {
  return (await respondRecords<WeiboPostClaim>(db).findOne({ _id: `respond:${taskId}:weibo` }, { projection: { _id: 1 } })) !== null;
}
