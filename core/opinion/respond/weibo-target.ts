import type { Connection } from 'mongoose';
import { ValidationError } from '../../errors.ts';
import { deliveryCollection } from '../../models/delivery.model.ts';
import { reactionCollection } from '../../models/reaction.model.ts';
import { FieldNotFoundError } from './weibo-outcome.ts';

export interface WeiboTarget {
  statusId: string;
  commentId?: string;
}

const WEIBO_ID = /^\d{1,20}$/;

/** Whether the agency posted this status through gongkai, or collected reactions under it. */
async function statusOfAgency(db: Connection, agencyCode: string, statusId: string): Promise<boolean> {
  const posted = await deliveryCollection(db).findOne({ externalId: statusId, channel: 'weibo' }, { projection: { agencyCode: 1 } });
  if (posted) return posted.agencyCode === agencyCode;
  const reacted = await reactionCollection(db).findOne({ statusId, agencyCode }, { projection: { _id: 1 } });
  return reacted !== null;
}

/** The Weibo status gongkai posted for a disclosure (the newest, after corrections). */
async function statusOfDisclosure(db: Connection, disclosureId: string): Promise<string | undefined> {
  const sent = await deliveryCollection(db)
    .find({ disclosureId, channel: 'weibo', state: 'sent' }, { projection: { externalId: 1, sentAt: 1 } })
    .toArray();
  return sent
    .filter((d) => d.externalId)
    .sort((a, b) => (b.sentAt?.getTime() ?? 0) - (a.sentAt?.getTime() ?? 0))[0]?.externalId;
}

/**
 * Where a reply goes, scoped to the agency: a named comment must be a reaction collected for this
 * agency (or Weibo decides it, on one of the agency's statuses); the status defaults to the one
 * posted for the task's disclosure. Anything of another agency reads as missing.
 */
export async function resolveWeiboTarget(
  db: Connection,
  agencyCode: string,
  requested: { statusId?: string; commentId?: string },
  taskDisclosureId?: string,
): Promise<WeiboTarget> {
  for (const key of ['statusId', 'commentId'] as const) {
    const value = requested[key];
    if (value !== undefined && !WEIBO_ID.test(value)) {
      throw new ValidationError(`invalid weibo.${key}`, [{ path: `weibo.${key}`, message: '应为微博的数字编号（idstr）' }]);
    }
  }
  let statusId = requested.statusId;
  if (requested.commentId) {
    const reaction = await reactionCollection(db).findOne({ _id: `weibo-comment:${requested.commentId}` });
    if (reaction && reaction.agencyCode !== agencyCode) {
      throw new FieldNotFoundError(`没有本机关收集到的微博评论 ${requested.commentId}`, [
        { path: 'weibo.commentId', message: '不是本机关微博下的评论' },
      ]);
    }
    if (reaction?.statusId) {
      if (statusId && statusId !== reaction.statusId) {
        throw new ValidationError('the comment is not under this status', [
          { path: 'weibo.statusId', message: `评论 ${requested.commentId} 属于微博 ${reaction.statusId}` },
        ]);
      }
      statusId = reaction.statusId;
    }
  }
  statusId ??= taskDisclosureId ? await statusOfDisclosure(db, taskDisclosureId) : undefined;
  if (!statusId) {
    throw new ValidationError('which Weibo status to answer is unknown', [
      { path: 'weibo.statusId', message: '该任务的公开事项没有发布到微博，请指定要回复的微博' },
    ]);
  }
  if (!(await statusOfAgency(db, agencyCode, statusId))) {
    throw new FieldNotFoundError(`微博 ${statusId} 不是本机关发布的微博`, [{ path: 'weibo.statusId', message: '不是本机关发布的微博' }]);
  }
  return { statusId, ...(requested.commentId ? { commentId: requested.commentId } : {}) };
}
