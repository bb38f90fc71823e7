import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { RequesterType } from '../read-model/request-types.ts';
import type { VersionClaim } from '../store/versioned.ts';
import type { RequestEvent } from './clock.ts';

/** Where a request came in; the first three are gongkai's own, the others recorded by staff. */
export const REQUEST_CHANNELS = ['web', 'miniprogram', 'api', 'in-person', 'post'] as const;
export type RequestChannel = (typeof REQUEST_CHANNELS)[number];

/** 第二十九条第二款第（三）项 / 第四十条: the form and way the requester wants the information. */
export const DELIVERY_FORMS = ['paper-post', 'paper-pickup', 'email', 'disc', 'online', 'inspect'] as const;
export type DeliveryForm = (typeof DELIVERY_FORMS)[number];

export const DELIVERY_FORM_NAMES: Record<DeliveryForm, string> = {
  'paper-post': '纸质（邮寄）',
  'paper-pickup': '纸质（自行领取）',
  email: '电子邮件',
  disc: '光盘',
  online: '在线获取',
  inspect: '当场查阅、抄录',
};

export const ID_TYPES = ['resident-id', 'passport', 'hk-macao-pass', 'taiwan-pass', 'foreign-residence', 'credit-code', 'other'] as const;
export type IdType = (typeof ID_TYPES)[number];

export const ID_TYPE_NAMES: Record<IdType, string> = {
  'resident-id': '居民身份证',
  passport: '护照',
  'hk-macao-pass': '港澳居民来往内地通行证',
  'taiwan-pass': '台湾居民来往大陆通行证',
  'foreign-residence': '外国人永久居留身份证',
  'credit-code': '统一社会信用代码',
  other: '其他证件',
};

/** What an event stored on the request carries besides the clock's fields. */
export type StoredEvent = RequestEvent & {
  at: Date;
  /** `requester`, or the staff key id. */
  by: string;
  /** A note shown to the requester on the status page (never personal data of others). */
  note?: string;
};

export interface RequestReply {
  decision: string;
  reason?: string;
  /** 已主动公开: where it is, and a link. */
  location?: string;
  url?: string;
  /** The information given (or how, where and when to obtain it). */
  information?: string;
  attachments?: { name: string; url: string; sha256?: string }[];
  /** 部分公开: why the rest is withheld. */
  withheldReason?: string;
  /** 本机关不掌握: the agency that holds it, when known (第三十六条第（五）项). */
  responsibleAgency?: string;
  /** The agency's own words. */
  text: string;
  /** The legal basis and notice, from the decision taxonomy, at the time of the reply. */
  basis: string;
  notice: string;
  on: string;
  at: Date;
  /** The proactive disclosure made from this reply, if any (依申请公开结果). */
  disclosureId?: string;
}

/**
 * One information request. The requester's name, ID number, contact and the description are
 * sealed (core/crypto/sealed.ts) with the context `request:<id>:<field>`; only the agency's
 * view opens them, and nothing personal leaves this collection.
 */
export interface InfoRequestRecord {
  /** The receipt number, also the status page's key. */
  _id: string;
  version: number;
  agencyCode: string;
  channel: RequestChannel;
  residentId?: string;
  requester: {
    type: RequesterType;
    name: string;
    idType: IdType;
    idNumber: string;
    contact: string;
  };
  description: string;
  delivery: DeliveryForm;
  /** sha256 of the access code, hex. */
  accessCodeHash: string;
  /** sha256 of the submitted body, so a retried submission is recognised. */
  bodyHash: string;
  assignee?: string;
  events: StoredEvent[];
  reply?: RequestReply;
  submittedAt: Date;
  updatedAt: Date;
}

export const requestCollection = (db: Connection) => db.collection('info_requests') as unknown as Collection<InfoRequestRecord>;
export const requestJournal = (db: Connection) => db.collection('info_request_versions') as unknown as Collection<VersionClaim>;
