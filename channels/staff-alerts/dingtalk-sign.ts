import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * DingTalk's 加签 for custom robots: HMAC-SHA256 keyed by the secret (the `SEC…` string of the
 * robot's security settings) over `${timestamp}\n${secret}`, base64, then URL-encoded into the
 * query beside `timestamp` (milliseconds). DingTalk refuses a timestamp more than one hour from
 * its own clock (310000 "invalid timestamp").
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The query string part `&timestamp=…&sign=…`. */
export const signedQuery = (secret: string, timestampMs: number) => `&timestamp=${timestampMs}&sign=${encodeURIComponent(dingtalkSign(secret, timestampMs))}`;

/** The sandbox's check: the sign (already URL-decoded by the query parser) matches. */
export function signMatches(secret: string, timestampMs: number, sign: string): boolean {
  const expected = Buffer.from(dingtalkSign(secret, timestampMs));
  const given = Buffer.from(sign);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export const DINGTALK_TIMESTAMP_WINDOW_MS = 3_600_000;
