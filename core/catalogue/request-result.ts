/**
 * 依申请公开结果: a reply to an information request that matters to many, made public
 * (政府信息公开条例 第四十四条: information several requesters asked for, and that may be public,
 * can be taken into proactive disclosure; requesters may suggest it). It carries
 * what was disclosed and when, never who asked: no requester, ID, contact or receipt number.
 */
import { z } from 'zod';
import type { ItemType } from './types.ts';
import { date, longText } from './common.ts';

const requestResult = z.strictObject({
  decision: z.enum(['already-public', 'disclosed', 'partly-disclosed']).describe('答复类型：already-public 已主动公开、disclosed 予以公开、partly-disclosed 部分公开'),
  answeredOn: date('答复日期'),
  summary: longText('公开内容'),
});

export const REQUEST_RESULT_ITEM_TYPE = 'request-result';

export const requestResultItemType: ItemType = {
  code: REQUEST_RESULT_ITEM_TYPE,
  name: '依申请公开结果',
  description: '依申请公开的答复内容中涉及公众利益、需要社会广泛知晓的部分，转为主动公开；不含申请人信息。',
  content: requestResult,
};
