import type { Connection } from 'mongoose';
import { claimIds } from '../store/claims.ts';
import { reactionCollection, type ReactionRecord, type ReactionSource, type SentimentLabel } from '../models/reaction.model.ts';
import { createSentiment, type Sentiment } from './sentiment/index.ts';

/** A reaction as a collector found it, before scoring. The author must already be a pseudonym or a public outlet. */
export type ReactionItem = Omit<ReactionRecord, '_id' | 'day' | 'collectedAt' | 'sentiment'>;

export interface IngestResult {
  inserted: number;
  duplicates: number;
}

/** Enough for a press officer to see why; the model ranks them, so the tail adds little. */
const MAX_REASONS = 5;
const CHINA_OFFSET_MS = 8 * 3600_000;
/** Inserts per command: small commands keep FerretDB's SQLite transactions short. */
const CHUNK = 200;

export const reactionId = (source: ReactionSource, externalId: string) => `${source}:${externalId}`;

/** `YYYY-MM-DD` of an instant in Asia/Shanghai (UTC+8 all year: China has no daylight saving). */
export function chinaDay(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * The words that decided the label: those pushing toward it (for neutral, the strongest either
 * way). A word pulling against the verdict does not explain it.
 */
export function decidingWords(label: SentimentLabel, reasons: readonly { token: string; weight: number }[]): string[] {
  const agree = reasons.filter((r) => (label === 'neg' ? r.weight < 0 : label === 'pos' ? r.weight > 0 : true));
  return agree.slice(0, MAX_REASONS).map((r) => r.token);
}

/**
 * Scores and stores reactions. `_id` is `${source}:${externalId}`, so an item collected twice is
 * a duplicate-key no-op counted in `duplicates`: re-running a collector is always safe.
 */
export async function ingestReactions(
  db: Connection,
  items: readonly ReactionItem[],
  now: Date,
  sentiment?: Sentiment,
): Promise<IngestResult> {
  if (!items.length) return { inserted: 0, duplicates: 0 };
  // Loaded on first use: a run with nothing new should not pay for jieba's dictionary.
  const model = sentiment ?? createSentiment();
  const docs = items.map((item): ReactionRecord => {
    // A vendor date we could not read is better filed under the day we saw it than dropped.
    const at = Number.isNaN(item.at.getTime()) ? now : item.at;
    const { label, score, confidence, reasons } = model.analyse(item.text, { maxReasons: MAX_REASONS * 2 });
    return {
      _id: reactionId(item.source, item.externalId),
      source: item.source,
      externalId: item.externalId,
      agencyCode: item.agencyCode,
      ...(item.disclosureId ? { disclosureId: item.disclosureId } : {}),
      ...(item.statusId ? { statusId: item.statusId } : {}),
      text: item.text,
      author: item.author,
      ...(item.url ? { url: item.url } : {}),
      at,
      day: chinaDay(at),
      collectedAt: now,
      sentiment: { label, score, reasons: decidingWords(label, reasons), confidence },
    };
  });
  let inserted = 0;
  for (let i = 0; i < docs.length; i += CHUNK) {
    inserted += (await claimIds(reactionCollection(db), docs.slice(i, i + CHUNK))).size;
  }
  return { inserted, duplicates: docs.length - inserted };
}
