import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { SandboxOutbox } from '../outbox.ts';
import { errorJson, itemJson, statusJson, type SandboxPost } from './weibo-format.ts';
import type { SandboxStatus, WeiboSandboxState } from './weibo-state.ts';

/** Messages as api.weibo.com words them (reference notes §5). */
const MESSAGES: Record<number, string> = {
  10001: 'system error!',
  10008: 'param error, see doc for more info.',
  10016: 'miss required parameter, see doc for more info.',
  10017: 'text not find domain!',
  10022: 'IP requests out of rate limit!',
  10023: 'User requests out of rate limit!',
  10024: 'User requests for (statuses/share) out of rate limit!',
  20008: 'content is null!',
  20012: 'Text too long, please input text less than 140 characters!',
  20019: 'repeat content!',
  20101: 'target weibo does not exist!',
  20201: 'target weibo comment does not exist!',
  20204: 'comment id is null!',
  21301: 'auth faild!',
  21316: 'Token revoked',
  21327: 'expired_token',
  21332: 'invalid_access_token',
  21335: 'uid parameter must be the current user',
};

type Ctx = Context & { request: { body?: unknown } };

function fail(state: WeiboSandboxState, ctx: Ctx, code: number, message = MESSAGES[code] ?? 'sandbox fault'): void {
  ctx.status = state.errorStatus;
  ctx.body = errorJson(code, message, ctx.path);
}

/**
 * `rip`, the real end user's address, is required on share and comment calls (reference notes §0;
 * Weibo answers a missing required parameter with 10016 naming it, a malformed one with 10017).
 */
function ripMissing(state: WeiboSandboxState, ctx: Ctx, p: Record<string, string>): boolean {
  if (p.rip === undefined || p.rip === '') {
    fail(state, ctx, 10016, 'miss required parameter (rip), see doc for more info.');
    return true;
  }
  if (isIP(p.rip) === 0) {
    fail(state, ctx, 10017, `parameter (rip)'s value invalid, expect (a real client IP), but get (${p.rip.slice(0, 64)}), see doc for more info.`);
    return true;
  }
  return false;
}

function params(ctx: Ctx): Record<string, string> {
  const out: Record<string, string> = {};
  const body = ctx.request.body && typeof ctx.request.body === 'object' ? (ctx.request.body as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries({ ...ctx.query, ...body })) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** Faults, IP quota, token and user quota, in that order; the caller's uid, or undefined once answered. */
async function admit(state: WeiboSandboxState, ctx: Ctx, p: Record<string, string>): Promise<string | undefined> {
  const fault = state.takeFault(ctx.path);
  if (fault?.latencyMs) await sleep(fault.latencyMs);
  if (fault?.http) {
    ctx.status = fault.http;
    ctx.type = 'text/html';
    ctx.body = `<html><body><h1>${fault.http}</h1>sandbox fault</body></html>`;
    return undefined;
  }
  if (fault?.errorCode) return void fail(state, ctx, fault.errorCode, fault.error);
  if (state.overLimit('ip', ctx.ip, state.limits.ipCallsPerHour)) return void fail(state, ctx, 10022);
  const header = /^OAuth2\s+(\S+)$/i.exec(ctx.get('authorization'))?.[1];
  const token = p.access_token ?? header;
  if (!token) return void fail(state, ctx, 21301);
  const grant = state.tokens.get(token);
  if (!grant) return void fail(state, ctx, 21332);
  if (grant.revoked) return void fail(state, ctx, 21316);
  if (grant.expiresAt <= state.now().getTime()) return void fail(state, ctx, 21327);
  if (state.overLimit('calls', grant.uid, state.limits.callsPerHour)) return void fail(state, ctx, 10023);
  return grant.uid;
}

function linksToSafeDomain(text: string, domains: string[]): boolean {
  for (const match of text.matchAll(/https?:\/\/[^\s<>"'，。、）)】]+/gi)) {
    try {
      const host = new URL(match[0]).hostname;
      if (domains.some((d) => host === d || host.endsWith(`.${d}`))) return true;
    } catch {
      // not a URL after all
    }
  }
  return false;
}

/** since_id (exclusive, newer), max_id (inclusive, older), count, page; newest first (notes §3). */
function page<T extends SandboxPost>(items: T[], p: Record<string, string>, defaultCount: number, maxCount: number) {
  const asId = (v: string | undefined) => (v && /^\d+$/.test(v) && v !== '0' ? BigInt(v) : undefined);
  const since = asId(p.since_id);
  const max = asId(p.max_id);
  const count = Math.min(Math.max(Number(p.count) || defaultCount, 1), maxCount);
  const pageNo = Math.max(Number(p.page) || 1, 1);
  const matching = items
    .filter((i) => (since === undefined || i.id > since) && (max === undefined || i.id <= max))
    .sort((a, b) => (a.id < b.id ? 1 : -1));
  const slice = matching.slice((pageNo - 1) * count, pageNo * count);
  const next = matching[pageNo * count];
  return { slice, previous_cursor: 0, next_cursor: next ? Number(next.id) : 0 };
}

/** The api.weibo.com paths the gongkai Weibo channel and reaction collector use. */
export function weiboApiRouter(state: WeiboSandboxState, outbox: SandboxOutbox): Router {
  const router = new Router();
  const findStatus = (ctx: Ctx, id: string | undefined): SandboxStatus | undefined => {
    if (!id) return void fail(state, ctx, 10016, 'miss required parameter (id), see doc for more info.');
    const status = state.statuses.get(id);
    if (!status) return void fail(state, ctx, 20101);
    return status;
  };

  router.post('/2/statuses/share.json', async (ctx: Ctx) => {
    const p = params(ctx);
    const uid = await admit(state, ctx, p);
    if (!uid) return;
    if (ripMissing(state, ctx, p)) return;
    const text = p.status;
    if (text === undefined) return fail(state, ctx, 10016, 'miss required parameter (status), see doc for more info.');
    if (!text.trim()) return fail(state, ctx, 20008);
    // The share page forbids #话题#; the code Weibo answers is not documented.
    if (/#[^#\s]+#/.test(text)) return fail(state, ctx, 10017, 'status must not contain #topic#!');
    if (Array.from(text).length > state.maxLength) {
      return fail(state, ctx, 20012, `Text too long, please input text less than ${state.maxLength} characters!`);
    }
    if (!linksToSafeDomain(text, state.safeDomains)) return fail(state, ctx, 10017);
    if ([...state.statuses.values()].some((s) => s.user.id === uid && s.text === text)) return fail(state, ctx, 20019);
    if (state.overLimit('posts', uid, state.limits.postsPerHour)) return fail(state, ctx, 10024);

    const status: SandboxStatus = {
      id: state.newId(),
      text,
      user: state.user({ id: uid, screenName: `政务号${uid.slice(-4)}` }),
      createdAt: state.now(),
      comments: [],
      reposts: [],
    };
    state.statuses.set(status.id.toString(), status);
    const { access_token: _token, ...recorded } = p;
    outbox.record({ channel: 'weibo', path: ctx.path, body: recorded, externalId: status.id.toString() });
    ctx.body = statusJson(status);
  });

  // comments/create answers the status, comments/reply one of its comments (notes §4).
  for (const kind of ['create', 'reply'] as const) {
    router.post(`/2/comments/${kind}.json`, async (ctx: Ctx) => {
      const p = params(ctx);
      const uid = await admit(state, ctx, p);
      if (!uid) return;
      if (ripMissing(state, ctx, p)) return;
      const text = p.comment;
      if (text === undefined) return fail(state, ctx, 10016, 'miss required parameter (comment), see doc for more info.');
      if (kind === 'reply' && !p.cid) return fail(state, ctx, 20204);
      const status = findStatus(ctx, p.id);
      if (!status) return;
      const target = kind === 'reply' ? status.comments.find((c) => c.id.toString() === p.cid) : undefined;
      if (kind === 'reply' && !target) return fail(state, ctx, 20201);
      if (!text.trim()) return fail(state, ctx, 20008);
      if (Array.from(text).length > state.maxLength) {
        return fail(state, ctx, 20012, `Text too long, please input text less than ${state.maxLength} characters!`);
      }
      // v1 docs: a comment identical to the previous one is refused.
      const own = status.comments.filter((c) => c.user.id === uid);
      if (own.at(-1)?.text === text) return fail(state, ctx, 20019);
      if (state.overLimit('comments', uid, state.limits.commentsPerHour)) return fail(state, ctx, 10024, 'User requests for (comments) out of rate limit!');

      const comment = {
        id: state.newId(),
        text,
        user: state.user({ id: uid, screenName: `政务号${uid.slice(-4)}` }),
        createdAt: state.now(),
        visibleToApp: true,
        ...(target ? { replyTo: target.id } : {}),
      };
      status.comments.push(comment);
      const { access_token: _token, ...recorded } = p;
      outbox.record({ channel: 'weibo', path: ctx.path, body: recorded, externalId: comment.id.toString() });
      ctx.body = {
        ...itemJson(comment),
        source: '<a href="https://open.weibo.com" rel="nofollow">gongkai sandbox</a>',
        status: statusJson(status, counts(status)),
        ...(target ? { reply_comment: itemJson(target) } : {}),
      };
    });
  }

  router.get('/2/comments/show.json', async (ctx: Ctx) => {
    const p = params(ctx);
    if (!(await admit(state, ctx, p))) return;
    const status = findStatus(ctx, p.id);
    if (!status) return;
    // Only commenters who authorised our app are returned; total_number counts everyone.
    const { slice, ...cursors } = page(status.comments.filter((c) => c.visibleToApp), p, 50, 200);
    const source = '<a href="https://weibo.com" rel="nofollow">微博 weibo.com</a>';
    ctx.body = {
      comments: slice.map((c) => ({ ...itemJson(c), source, status: statusJson(status, counts(status)) })),
      ...cursors,
      total_number: status.comments.length,
    };
  });

  router.get('/2/statuses/repost_timeline.json', async (ctx: Ctx) => {
    const p = params(ctx);
    if (!(await admit(state, ctx, p))) return;
    const status = findStatus(ctx, p.id);
    if (!status) return;
    const { slice, ...cursors } = page(status.reposts.filter((r) => r.visibleToApp), p, 20, 200);
    const original = statusJson(status, counts(status));
    ctx.body = { reposts: slice.map((r) => ({ ...statusJson(r), retweeted_status: original })), ...cursors, total_number: status.reposts.length };
  });

  router.get('/2/statuses/mentions.json', async (ctx: Ctx) => {
    const p = params(ctx);
    const uid = await admit(state, ctx, p);
    if (!uid) return;
    const mine = state.mentions.filter((m) => m.mentionedUid === uid);
    const { slice, ...cursors } = page(mine, p, 20, 200);
    ctx.body = { statuses: slice.map((m) => statusJson(m)), ...cursors, total_number: mine.length };
  });

  router.get('/2/statuses/user_timeline.json', async (ctx: Ctx) => {
    const p = params(ctx);
    const uid = await admit(state, ctx, p);
    if (!uid) return;
    // Since ~2014 only the authorising user's own posts (notes §3).
    if (p.uid && p.uid !== uid) return fail(state, ctx, 21335);
    const own = [...state.statuses.values()].filter((s) => s.user.id === uid);
    const { slice, ...cursors } = page(own, p, 20, 100);
    ctx.body = { statuses: slice.map((s) => statusJson(s, counts(s))), ...cursors, total_number: own.length };
  });

  router.get('/2/account/rate_limit_status.json', async (ctx: Ctx) => {
    const uid = await admit(state, ctx, params(ctx));
    if (!uid) return;
    const reset = state.resetTime();
    const local = new Date(reset.getTime() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);
    const { callsPerHour, postsPerHour, ipCallsPerHour } = state.limits;
    ctx.body = {
      ip_limit: ipCallsPerHour,
      limit_time_unit: 'HOURS',
      remaining_ip_hits: Math.max(ipCallsPerHour - state.used('ip', ctx.ip), 0),
      remaining_user_hits: Math.max(callsPerHour - state.used('calls', uid), 0),
      reset_time: local,
      reset_time_in_seconds: Math.ceil((reset.getTime() - state.now().getTime()) / 1000),
      user_limit: callsPerHour,
      api_rate_limits: [
        { api: 'statuses/share', limit: postsPerHour, limit_time_unit: 'HOURS', remaining_hits: Math.max(postsPerHour - state.used('posts', uid), 0) },
      ],
    };
  });

  return router;
}

function counts(status: SandboxStatus) {
  return { reposts: status.reposts.length, comments: status.comments.length };
}
