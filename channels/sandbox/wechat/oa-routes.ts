import type Router from '@koa/router';
import type { SandboxOutbox } from '../outbox.ts';
import { checkTemplateData } from './keyword-rules.ts';
import { WechatSandboxError, chinaMonth, jsonBody, queryString, reply } from './reply.ts';
import { eventFields, pushLater } from './pushes.ts';
import type { AppState, SandboxState, TemplateOutcome } from './state.ts';

const TEMPLATE_PATH = '/cgi-bin/message/template/send';
const SENDALL_PATH = '/cgi-bin/message/mass/sendall';
const TEMPLATE_DEDUPE_MS = 10 * 60_000;
const MASS_DEDUPE_MS = 24 * 3_600_000;
/** A repeated clientmsgid sooner than this is 45066 (retried too soon), later 45065 with the job. */
const MASS_RETRY_GAP_MS = 60_000;
export const MASS_PER_USER_MONTH = 4;
/** TEMPLATESENDJOBFINISH `Status` (wechat.md §3.2; the spacing of the last is as reported). */
const TEMPLATE_STATUS: Record<TemplateOutcome, string> = { success: 'success', 'user-block': 'failed:user block', 'system-failed': 'failed: system failed' };

/** An OA follower by openid: 40003 if the app never saw it, 43004 if it unfollowed. */
export function follower(app: AppState, openid: unknown) {
  const user = typeof openid === 'string' ? app.users.get(openid) : undefined;
  if (!user) throw new WechatSandboxError(40003, 'invalid openid');
  if (!user.following) throw new WechatSandboxError(43004, 'require subscribe');
  return user;
}

/** Official Account sends: template message (§2.1) and mass send by tag or to all (§2.2). */
export function oaRoutes(router: Router, state: SandboxState, outbox: SandboxOutbox): void {
  router.post(TEMPLATE_PATH, (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const body = jsonBody(ctx);
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !app.templates.has(templateId)) throw new WechatSandboxError(40037, 'invalid template_id');
    follower(app, body.touser);
    checkTemplateData(body.data, app.templates.get(templateId));
    if (body.miniprogram !== undefined) {
      const mini = body.miniprogram as { appid?: unknown; pagepath?: unknown } | null;
      if (typeof mini?.appid !== 'string' || mini.appid === '') throw new WechatSandboxError(40165, 'invalid weapp pagepath');
    }
    const now = state.now();
    const dedupeKey = typeof body.client_msg_id === 'string' ? `${String(body.touser)}\t${body.client_msg_id}` : undefined;
    const earlier = dedupeKey ? app.sentTemplates.get(dedupeKey) : undefined;
    if (earlier && now - earlier.at < TEMPLATE_DEDUPE_MS) return reply(ctx, { errcode: 0, errmsg: 'ok', msgid: earlier.msgid });
    state.checkQuota(app, TEMPLATE_PATH);
    const msgid = state.id();
    state.count(app, TEMPLATE_PATH);
    if (dedupeKey) state.remember(app.sentTemplates, dedupeKey, { msgid, at: now });
    outbox.record({ channel: 'wechat-oa', path: TEMPLATE_PATH, body, externalId: String(msgid) });
    reply(ctx, { errcode: 0, errmsg: 'ok', msgid });
    // Accepted is not delivered: the outcome follows as an event. With client_msg_id its MsgID may be 0.
    const touser = String(body.touser);
    pushLater(state, app, {
      ...eventFields(state, app, touser, 'TEMPLATESENDJOBFINISH'),
      MsgID: dedupeKey && app.zeroMsgIdWithClientMsgId ? 0 : msgid,
      Status: TEMPLATE_STATUS[app.templateOutcomes.get(touser) ?? 'success'],
    });
  });

  router.post(SENDALL_PATH, (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'oa');
    const body = jsonBody(ctx);
    const filter = body.filter as { is_to_all?: unknown; tag_id?: unknown } | undefined;
    if (typeof filter !== 'object' || filter === null) throw new WechatSandboxError(47001, 'data format error: filter');
    checkMassContent(body);
    const clientmsgid = body.clientmsgid;
    if (clientmsgid !== undefined && (typeof clientmsgid !== 'string' || Buffer.byteLength(clientmsgid) > 64)) {
      throw new WechatSandboxError(45067, 'clientmsgid size out of limit');
    }
    const now = state.now();
    const earlier = typeof clientmsgid === 'string' ? app.massClientIds.get(clientmsgid) : undefined;
    if (earlier && now - earlier.at < MASS_RETRY_GAP_MS) throw new WechatSandboxError(45066, 'clientmsgid retry too fast, please wait 1 minute');
    if (earlier && now - earlier.at < MASS_DEDUPE_MS) {
      throw new WechatSandboxError(45065, 'clientmsgid exist', { msg_id: earlier.msgId });
    }
    const toAll = filter.is_to_all === true;
    const tagId = typeof filter.tag_id === 'number' ? filter.tag_id : Number(filter.tag_id);
    if (!toAll && !app.tags.has(tagId)) throw new WechatSandboxError(40050, 'invalid tag id');
    const month = chinaMonth(now);
    // Account limits: 100 calls a day (45009), and sends to all (with web-console sends) 4 a month (45028).
    state.checkQuota(app, SENDALL_PATH);
    if (toAll && (app.massCounts.get(`${month}\tall`) ?? 0) >= MASS_PER_USER_MONTH) throw new WechatSandboxError(45028, 'has no masssend quota');

    const { addressed, reached } = spendMassBudget(state, app, toAll, tagId, now);

    const msgId = state.id();
    state.count(app, SENDALL_PATH);
    if (typeof clientmsgid === 'string') state.remember(app.massClientIds, clientmsgid, { msgId, at: now });
    state.recordJob(app, {
      msgId: String(msgId),
      filter: toAll ? { is_to_all: true } : { is_to_all: false, tag_id: tagId },
      msgtype: String(body.msgtype),
      ...(typeof clientmsgid === 'string' ? { clientmsgid } : {}),
      totalCount: addressed,
      filterCount: reached,
      at: new Date(now).toISOString(),
    });
    outbox.record({ channel: 'wechat-oa', path: SENDALL_PATH, body, externalId: String(msgId) });
    reply(ctx, {
      errcode: 0,
      errmsg: 'send job submission success',
      msg_id: msgId,
      ...(body.msgtype === 'mpnews' ? { msg_data_id: state.id() % 10n ** 10n } : {}),
    });
    // The job's outcome: FilterCount is who was left after the 4-a-month cap; FilterCount = SentCount + ErrorCount.
    pushLater(state, app, {
      ...eventFields(state, app, 'mphelper', 'MASSSENDJOBFINISH'),
      MsgID: msgId,
      Status: 'send success',
      TotalCount: addressed,
      FilterCount: reached,
      SentCount: reached,
      ErrorCount: 0,
    });
  });
}

/**
 * A mass send's effect on the account's budget: each follower it reaches has one of the month's
 * 4 spent, followers over it are filtered out silently, and a send to all counts for the account.
 * Web-console broadcasts by staff (consoleMassSend) spend the same budget.
 */
export function spendMassBudget(state: SandboxState, app: AppState, toAll: boolean, tagId: number, now: number): { addressed: number; reached: number } {
  const month = chinaMonth(now);
  const addressed = [...app.users].filter(([, user]) => user.following && (toAll || user.tags.has(tagId)));
  // Users over 4 mass messages this calendar month are filtered out, not an error.
  const reached = addressed.filter(([openid]) => (app.massCounts.get(`${month}\t${openid}`) ?? 0) < MASS_PER_USER_MONTH);
  for (const [openid] of reached) state.remember(app.massCounts, `${month}\t${openid}`, (app.massCounts.get(`${month}\t${openid}`) ?? 0) + 1);
  if (toAll) state.remember(app.massCounts, `${month}\tall`, (app.massCounts.get(`${month}\tall`) ?? 0) + 1);
  return { addressed: addressed.length, reached: reached.length };
}

function checkMassContent(body: Record<string, unknown>): void {
  if (body.msgtype === 'text') {
    const content = (body.text as { content?: unknown } | undefined)?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new WechatSandboxError(44004, 'empty content');
  } else if (body.msgtype === 'mpnews') {
    const mediaId = (body.mpnews as { media_id?: unknown } | undefined)?.media_id;
    if (typeof mediaId !== 'string' || mediaId === '') throw new WechatSandboxError(40007, 'invalid media_id');
  } else {
    throw new WechatSandboxError(40008, 'invalid message type');
  }
}
