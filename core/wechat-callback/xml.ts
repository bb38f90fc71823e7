import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { AppError } from '../errors.ts';

/** A push's top-level fields. Values are strings (64-bit ids stay exact); nested ones (List) are objects. */
export type PushFields = Record<string, unknown>;

class BadXmlError extends AppError {
  constructor(message: string) {
    super(400, 'bad_request', message);
  }
}

/**
 * Entities are never expanded: no DTD is accepted at all (billion laughs, external entities),
 * and the parser's own entity processing is off as a second line. Values stay strings: no
 * number parsing, which would round MsgId (int64) and turn openids like `1e5…` into numbers.
 * Predefined entities (`&amp;`) outside CDATA stay as written; WeChat sends its text in CDATA.
 */
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  maxNestedTags: 20,
});

/** Parses a callback body `<xml>…</xml>`; anything else (DTDs, malformed XML, other roots) is a 400. */
export function parsePushXml(xml: string): PushFields {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new BadXmlError('XML with a DOCTYPE or ENTITY declaration is refused');
  if (XMLValidator.validate(xml) !== true) throw new BadXmlError('body is not well-formed XML');
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch {
    // The parser refuses names such as __proto__.
    throw new BadXmlError('body is not acceptable XML');
  }
  const keys = parsed && typeof parsed === 'object' ? Object.keys(parsed) : [];
  const root = (parsed as { xml?: unknown } | undefined)?.xml;
  if (keys.length !== 1 || keys[0] !== 'xml' || !root || typeof root !== 'object' || Array.isArray(root)) {
    throw new BadXmlError('body must be one <xml> element with child elements');
  }
  return root as PushFields;
}

/** A top-level field as a string; absent, repeated or nested values count as absent. */
export function field(fields: PushFields, name: string): string | undefined {
  const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

export function requiredField(fields: PushFields, name: string): string {
  const value = field(fields, name);
  if (value === undefined || value === '') throw new BadXmlError(`missing ${name}`);
  return value;
}

/** CDATA cannot contain `]]>`: split it across two sections. */
export function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** A passive text reply (被动回复文本消息) to `openid` from the official account `ghId`. */
export function textReplyXml(openid: string, ghId: string, content: string, now: Date): string {
  return (
    `<xml><ToUserName>${cdata(openid)}</ToUserName><FromUserName>${cdata(ghId)}</FromUserName>` +
    `<CreateTime>${Math.floor(now.getTime() / 1000)}</CreateTime><MsgType>${cdata('text')}</MsgType>` +
    `<Content>${cdata(content)}</Content></xml>`
  );
}

/** The safe-mode reply envelope around an encrypted reply. */
export function encryptedReplyXml(encrypt: string, signature: string, timestamp: string, nonce: string): string {
  return (
    `<xml><Encrypt>${cdata(encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  );
}
