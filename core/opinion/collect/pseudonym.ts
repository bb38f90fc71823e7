import { createHmac } from 'node:crypto';

/**
 * Authors are stored as keyed hashes of their platform id: stable per person (so a press officer
 * sees that one resident wrote five times) but not reversible without the key. The prefix says
 * which platform's id was hashed, so equal hashes from different platforms are not confused.
 */
export function authorPseudonym(prefix: 'wb' | 'oa' | 'mp', platformId: string, key: string): string {
  return `${prefix}_${createHmac('sha256', key).update(platformId).digest('hex').slice(0, 20)}`;
}

/** Used when no secret is configured; like the Weibo adapter's default, guessable, so set one in production. */
export const DEFAULT_PSEUDONYM_KEY = 'gongkai-reaction-author';
