import { randomInt } from 'node:crypto';
import { aesKeyFrom, callbackSignature, encryptMessage } from './crypto.ts';
import { cdata } from './xml.ts';

/**
 * Builds pushes the way WeChat sends them to the callback: the XML, and the signed query in
 * plaintext or safe mode. For tests and for simulating WeChat locally; the service itself only
 * receives pushes.
 */
export interface PushSender {
  token: string;
  appId: string;
  /** EncodingAESKey; needed for safe mode. */
  aesKey?: string;
}

/** `<xml>` with strings as CDATA and numbers bare, like WeChat's pushes. */
export function pushXml(fields: Record<string, string | number>): string {
  const inner = Object.entries(fields)
    .map(([name, value]) => `<${name}>${typeof value === 'number' ? value : cdata(value)}</${name}>`)
    .join('');
  return `<xml>${inner}</xml>`;
}

export interface SignedPush {
  query: Record<string, string>;
  body: string;
}

/** Signs a push for a given time; `safe` encrypts it as in 安全模式. */
export function signPush(sender: PushSender, xml: string, options: { now: Date; safe?: boolean; nonce?: string }): SignedPush {
  const timestamp = String(Math.floor(options.now.getTime() / 1000));
  const nonce = options.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const query: Record<string, string> = { signature: callbackSignature(sender.token, timestamp, nonce), timestamp, nonce };
  if (!options.safe) return { query, body: xml };
  if (!sender.aesKey) throw new Error('safe mode needs an EncodingAESKey');
  const encrypted = encryptMessage(aesKeyFrom(sender.aesKey), sender.appId, xml);
  return {
    query: { ...query, encrypt_type: 'aes', msg_signature: callbackSignature(sender.token, timestamp, nonce, encrypted) },
    body: `<xml><ToUserName>${cdata('gh_sandbox')}</ToUserName><Encrypt>${cdata(encrypted)}</Encrypt></xml>`,
  };
}
