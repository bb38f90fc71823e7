import { randomBytes } from 'node:crypto';
import type Router from '@koa/router';
import type { SandboxOutbox } from '../outbox.ts';
import { checkTemplateData } from './keyword-rules.ts';
import { WechatSandboxError, jsonBody, queryString, reply } from './reply.ts';
import type { SandboxState } from './state.ts';
import { credentials } from './token-routes.ts';

const SUBSCRIBE_PATH = '/cgi-bin/message/subscribe/send';

/** Mini Program: login (code2Session, §4.1) and subscribe messages with consent credits (§4.2, §4.4). */
export function mpRoutes(router: Router, state: SandboxState, outbox: SandboxOutbox): void {
  router.get('/sns/jscode2session', (ctx) => {
    const app = credentials(state, queryString(ctx, 'appid'), queryString(ctx, 'secret'), 40125);
    if (app.app.kind !== 'mp') throw new WechatSandboxError(40013, 'invalid appid');
    if (queryString(ctx, 'grant_type') !== 'authorization_code') throw new WechatSandboxError(40002, 'invalid grant_type');
    const jsCode = queryString(ctx, 'js_code');
    if (!jsCode) throw new WechatSandboxError(41008, 'missing code');
    const code = state.codes.get(jsCode);
    // Codes are single-use (a second use is 40163 "code been used") and expire after about 5 minutes (40029).
    const usedUntil = state.usedCodes.get(jsCode);
    if (!code && usedUntil !== undefined && state.now() < usedUntil) throw new WechatSandboxError(40163, 'code been used');
    state.codes.delete(jsCode);
    if (!code || code.appid !== app.app.appid || state.now() >= code.expiresAt) throw new WechatSandboxError(40029, 'invalid code');
    state.usedCodes.set(jsCode, code.expiresAt);
    const user = state.user(app, code.openid);
    if (code.unionid) user.unionid = code.unionid;
    reply(ctx, {
      openid: code.openid,
      session_key: randomBytes(16).toString('base64'),
      ...(code.unionid ? { unionid: code.unionid } : {}),
    });
  });

  router.post(SUBSCRIBE_PATH, (ctx) => {
    const app = state.appForToken(queryString(ctx, 'access_token'), 'mp');
    const body = jsonBody(ctx);
    if (typeof body.touser !== 'string' || !app.users.has(body.touser)) throw new WechatSandboxError(40003, 'invalid openid');
    const templateId = body.template_id;
    if (typeof templateId !== 'string' || !app.templates.has(templateId)) throw new WechatSandboxError(40037, 'invalid template_id');
    checkTemplateData(body.data, app.templates.get(templateId));
    if (body.page !== undefined && typeof body.page !== 'string') throw new WechatSandboxError(41030, 'invalid page');
    const credit = app.consents.get(`${body.touser}\t${templateId}`);
    if (!credit || (!credit.longTerm && credit.oneTime <= 0)) throw new WechatSandboxError(43101, 'user refuse to accept the msg');
    state.checkQuota(app, SUBSCRIBE_PATH);
    // A one-time accept allows exactly one send; a long-term grant is never used up.
    if (!credit.longTerm) credit.oneTime -= 1;
    const msgid = state.id();
    state.count(app, SUBSCRIBE_PATH);
    outbox.record({ channel: 'wechat-mp', path: SUBSCRIBE_PATH, body, externalId: String(msgid) });
    reply(ctx, { errcode: 0, errmsg: 'ok', msgid });
  });
}
