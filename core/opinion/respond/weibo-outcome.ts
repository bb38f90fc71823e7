import { ChannelError } from '../../../channels/types.ts';
import { classifyWeiboCode } from '../../../channels/weibo/errors.ts';
import { AppError, type FieldProblem } from '../../errors.ts';

/** A Weibo reply that did not go out, as the press officer is told (in Chinese, naming the field). */
export class WeiboReplyError extends AppError {
  constructor(
    status: number,
    code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    /** For 429: when Weibo's hourly window opens again. */
    readonly retryAt?: Date,
    /** Whether Weibo may have posted it anyway (timeouts): then nobody should simply retry. */
    readonly outcomeUnknown = false,
  ) {
    super(status, code, message, { expose: true });
  }
}

/** 404 that names the request field pointing at the missing thing (the mapper shows `fields`). */
export class FieldNotFoundError extends AppError {
  constructor(
    message: string,
    readonly fields: FieldProblem[],
  ) {
    super(404, 'not_found', message);
  }
}

const hhmm = (date: Date) => new Date(date.getTime() + 8 * 3600_000).toISOString().slice(11, 16);

/** Comment codes 20201–20204 (notes §5): the comment is gone, illegal, not answerable or empty. */
const COMMENT_CODES = new Set(['20201', '20202', '20203', '20204']);
/** Target status deleted or illegal. */
const STATUS_CODES = new Set(['20101', '20104']);

/**
 * Weibo's answer → what the API says. Quotas are 429 with the hour they reset; a dead token is
 * 503 (nothing the officer can fix, an administrator must re-authorise); a missing comment or
 * status is 404 naming it; a lost answer is 502 and marked unknown, since it may have posted.
 */
export function weiboReplyError(error: unknown, now: Date): WeiboReplyError {
  if (!(error instanceof ChannelError) || error.channel !== 'weibo') throw error;
  const vendor = `（微博错误 ${error.code}）`;
  if (error.code === 'text-too-long' || error.code === '20012' || error.code === '20013') {
    return new WeiboReplyError(400, 'weibo_text_too_long', `微博回复不能超过140字${vendor}`, [{ path: 'text', message: '微博回复不能超过140字' }]);
  }
  if (error.code === 'empty-text' || error.code === '20008') {
    return new WeiboReplyError(400, 'weibo_text_empty', `微博回复内容不能为空${vendor}`, [{ path: 'text', message: '不能为空' }]);
  }
  if (COMMENT_CODES.has(error.code)) {
    return new WeiboReplyError(404, 'weibo_comment_not_found', `要回复的微博评论不存在或不能回复${vendor}`, [
      { path: 'weibo.commentId', message: '评论不存在、已删除或不能回复' },
    ]);
  }
  if (STATUS_CODES.has(error.code)) {
    return new WeiboReplyError(404, 'weibo_status_not_found', `要回复的微博不存在或已被删除${vendor}`, [
      { path: 'weibo.statusId', message: '微博不存在或已删除' },
    ]);
  }
  if (/^\d+$/.test(error.code)) {
    switch (classifyWeiboCode(Number(error.code))) {
      case 'wait':
      case 'slow-down':
      case 'stop-ip': {
        const retryAt = new Date(now.getTime() + (error.retryAfterMs ?? 3600_000));
        return new WeiboReplyError(429, 'weibo_rate_limited', `微博接口调用已达上限，请于北京时间 ${hhmm(retryAt)} 后重试${vendor}`, [], retryAt);
      }
      case 'reauth':
        return new WeiboReplyError(503, 'weibo_token_invalid', `微博账号授权已过期或失效，请管理员重新授权后再回复${vendor}`);
      case 'duplicate':
      case 'similar':
        return new WeiboReplyError(409, 'weibo_duplicate', `微博认为这条回复与刚发布的内容重复${vendor}`, [{ path: 'text', message: '内容重复' }]);
      case 'retry':
        return new WeiboReplyError(502, 'weibo_unavailable', `微博暂时无法处理，请稍后重试${vendor}`);
      default:
        break;
    }
  }
  if (error.code === 'timeout' || error.code === 'network' || error.code === 'bad-response') {
    return new WeiboReplyError(502, 'weibo_outcome_unknown', `微博未应答，回复可能已发出：请先在微博上核实，再联系管理员处理${vendor}`, [], undefined, true);
  }
  if (error.code.startsWith('http-')) {
    return new WeiboReplyError(502, 'weibo_unavailable', `微博暂时无法访问，请稍后重试${vendor}`);
  }
  return new WeiboReplyError(502, 'weibo_failed', `微博拒绝了这条回复${vendor}，请联系管理员`);
}
