import fc from 'fast-check';
import { pushXml, signPush } from '../../core/wechat-callback/push-builder.ts';
import type { FuzzRequest, Operation } from './fuzz-requests.ts';
import { oddStrings } from './fuzz-values.ts';

/** The callback is XML from WeChat's servers, so /openapi.json does not list it; fuzzed here. */
export const WECHAT_OA_OPERATION: Operation = { method: 'POST', path: '/wechat/oa', parameters: [] };

const text = fc.oneof(
  fc.constantFrom('订阅 住房 110105', '订阅 申请 HD2026-0001', '我的订阅', '退订', '订阅', '订阅 $where 1', '订阅 申请 ' + 'A'.repeat(500)),
  oddStrings,
  fc.string({ maxLength: 60 }),
);

const pushes = fc.oneof(
  fc.record({ content: text, openid: fc.oneof(fc.constant('fuzz-follower'), oddStrings), id: fc.oneof(fc.bigInt({ min: 1n, max: 10n ** 19n }).map(String), oddStrings) }).map(({ content, openid, id }) =>
    pushXml({ ToUserName: 'gh_sandbox', FromUserName: openid, CreateTime: 1_760_000_000, MsgType: 'text', Content: content, MsgId: id }),
  ),
  fc.constantFrom('subscribe', 'unsubscribe', 'CLICK', 'bogus', '').map((event) =>
    pushXml({ ToUserName: 'gh_sandbox', FromUserName: 'fuzz-follower', CreateTime: 1_760_000_000, MsgType: 'event', Event: event }),
  ),
  // Scans of subscribe QR codes (EventKey qrscene_<scene> on follow, the scene on SCAN), real and forged.
  fc
    .record({
      event: fc.constantFrom('subscribe', 'SCAN', 'scan'),
      key: fc.oneof(
        fc.constantFrom('qrscene_sub1_housing_110108', 'sub1_housing_110108', 'qrscene_sub1_$where_0', 'sub1_housing_110108.$gt', 'qrscene_sub1_0_0', 'qrscene_' + 'x'.repeat(300)),
        oddStrings.map((s) => `qrscene_${s}`),
        oddStrings,
      ),
    })
    .map(({ event, key }) =>
      pushXml({ ToUserName: 'gh_sandbox', FromUserName: 'fuzz-follower', CreateTime: 1_760_000_000, MsgType: 'event', Event: event, EventKey: key, Ticket: 'gQfuzz' }),
    ),
  fc.constantFrom(
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
    '<xml><MsgType>text</MsgType>',
    '<xml><xml><xml></xml></xml></xml>',
    '<xml>' + '<a>'.repeat(5_000) + '</xml>',
    '{"MsgType":"text"}',
    '',
    '<xml><Content><![CDATA[' + '公'.repeat(30_000) + ']]></Content></xml>',
  ),
);

/**
 * Pushes, mostly signed with the callback's token (so they reach the XML parser and the command
 * handler), some unsigned, stale, or with extra and repeated query parameters.
 */
export function oaRequests(token: string, appId: string): fc.Arbitrary<FuzzRequest & { signed: boolean }> {
  return fc
    .record({
      xml: pushes,
      signed: fc.boolean(),
      staleBy: fc.constantFrom(0, 0, 0, 301, -10_000),
      extraQuery: fc.constantFrom('', '', '&encrypt_type=raw', '&encrypt_type=aes&msg_signature=x', '&encrypt_type=bogus', '&signature=again', '&timestamp=1e9'),
      contentType: fc.constantFrom('text/xml', 'application/xml', 'application/json', 'text/plain', undefined),
      bytes: fc.constantFrom('utf8', 'utf8', 'latin1-garbage'),
    })
    .map(({ xml, signed, staleBy, extraQuery, contentType, bytes }): FuzzRequest & { signed: boolean } => {
      const signedPush = signPush({ token, appId }, xml, { now: new Date(Date.now() - staleBy * 1000) });
      const query = new URLSearchParams(signed ? signedPush.query : { timestamp: signedPush.query.timestamp!, nonce: '1', signature: 'f'.repeat(40) }).toString();
      const body = bytes === 'utf8' ? Buffer.from(xml) : Buffer.concat([Buffer.from(xml.slice(0, 20)), Buffer.from([0xff, 0xfe, 0x80])]);
      return {
        method: 'POST',
        path: '/wechat/oa',
        pathIds: [],
        query: query + extraQuery,
        credential: { kind: 'none' as const },
        headers: contentType ? { 'Content-Type': contentType } : ({} as Record<string, string>),
        body,
        bodyKind: `oa ${signed ? 'signed' : 'unsigned'} ${contentType ?? 'no type'} ${bytes} stale=${staleBy}`,
        signed: signed && staleBy === 0 && !extraQuery.includes('signature') && !extraQuery.includes('timestamp'),
      };
    });
}
