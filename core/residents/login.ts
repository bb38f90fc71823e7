import type { Connection } from 'mongoose';
import { ChannelError } from '../../channels/types.ts';
import { AppError, ValidationError } from '../errors.ts';
import { upsertSubscriber } from '../subscriptions/subscribers.ts';
import type { Sessions } from './session.ts';
import { subscriberCollection, type SubscriberRecord } from '../models/subscriber.model.ts';

export interface Code2Session {
  readonly appId: string;
  code2Session(code: string): Promise<{ openid: string; sessionKey: string; unionid?: string }>;
}

/**
 * Mini-program login: exchanges wx.login's code with WeChat for the openid, records the
 * subscriber and answers our own session. The session_key is dropped here: nothing we do
 * needs to decrypt user data, so it is neither stored nor sent on.
 */
export async function loginWithCode(db: Connection, wechat: Code2Session, sessions: Sessions, code: string) {
  let identity: { openid: string; unionid?: string };
  try {
    const { openid, unionid } = await wechat.code2Session(code);
    identity = { openid, ...(unionid ? { unionid } : {}) };
  } catch (error) {
    throw loginError(error);
  }
  const subscriber = await upsertSubscriber(db, { appId: wechat.appId, kind: 'mp-user', ...identity });
  return sessions.issue(subscriber._id);
}

function loginError(error: unknown): Error {
  const code = error instanceof ChannelError ? error.code : (error as { code?: unknown }).code;
  if (String(code) === '40029' || String(code) === '40163') {
    return new ValidationError('invalid code', [{ path: 'code', message: 'the login code is invalid or used; call wx.login again' }]);
  }
  if (String(code) === '45011') return new AppError(429, 'rate_limited', 'too many logins; try again in a minute');
  if (String(code) === '40226') return new AppError(403, 'forbidden', 'WeChat refused this user (high-risk account)');
  return new AppError(503, 'unavailable', 'WeChat login is unavailable; try again later', { cause: error, expose: true });
}

/** The resident a session names, by id alone (the lookup FerretDB answers from SQL). */
export function residentOfSession(db: Connection, sessions: Sessions, token: string): Promise<SubscriberRecord | null> {
  return subscriberCollection(db).findOne({ _id: sessions.verify(token) });
}
