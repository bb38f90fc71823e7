import { ChannelError } from '../types.ts';
import { codePoints, WEIBO_MAX_LENGTH } from './status-text.ts';
import type { WeiboClient } from './weibo-client.ts';

export interface WeiboReplyOptions {
  client: WeiboClient;
  /** The account's OAuth token, or a function reading the current one (tokens are re-authorised by hand). */
  accessToken: string | (() => string | Promise<string>);
  /** Longest comment in code points; default 140 (notes §4). */
  maxLength?: number;
  /**
   * The server's public IP, sent as `rip` (required on the current comment pages) when a reply
   * does not carry the address of the person who asked for it.
   */
  rip: string;
}

export interface WeiboReplyInput {
  /** The status the comment belongs to (ours). */
  statusId: string;
  /** The comment answered; without it the status itself is commented on. */
  commentId?: string;
  text: string;
  /** The address of the staff member who asked for this reply (their request's client IP), sent as `rip`. */
  rip?: string;
}

export interface WeiboReplyResult {
  /** The new comment's idstr. */
  commentId: string;
  statusId: string;
  /** The comment answered, when it was a reply. */
  replyTo?: string;
}

/** Answers public opinion on Weibo: the account's own comment under one of its statuses. */
export interface WeiboReplier {
  reply(input: WeiboReplyInput): Promise<WeiboReplyResult>;
}

interface WeiboComment {
  idstr: string;
  status?: { idstr?: string };
}

/**
 * `comments/reply` (cid + id) when a comment is named, else `comments/create` (id), per reference
 * notes §4. Failures come out as ChannelError('weibo', code), classified in errors.ts; the caller
 * decides what a press officer is told. Never retried here: a lost answer may still have posted.
 */
export function createWeiboReplier(options: WeiboReplyOptions): WeiboReplier {
  const { client } = options;
  const maxLength = options.maxLength ?? WEIBO_MAX_LENGTH;
  const token = async () => (typeof options.accessToken === 'function' ? options.accessToken() : options.accessToken);

  return {
    async reply(input) {
      const comment = input.text.trim();
      if (!comment) throw new ChannelError('weibo', 'empty-text', 'A Weibo comment needs text', 'fail');
      if (codePoints(comment) > maxLength) {
        throw new ChannelError('weibo', 'text-too-long', `A Weibo comment is at most ${maxLength} characters; this one has ${codePoints(comment)}`, 'fail');
      }
      const form = { access_token: await token(), id: input.statusId, comment, rip: input.rip ?? options.rip };
      const posted = input.commentId
        ? await client.post<WeiboComment>('/2/comments/reply.json', { ...form, cid: input.commentId })
        : await client.post<WeiboComment>('/2/comments/create.json', form);
      return {
        commentId: posted.idstr,
        statusId: posted.status?.idstr ?? input.statusId,
        ...(input.commentId ? { replyTo: input.commentId } : {}),
      };
    },
  };
}
