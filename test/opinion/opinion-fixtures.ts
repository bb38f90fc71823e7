import type { Connection } from 'mongoose';
import { reactionCollection, type ReactionRecord, type ReactionSource, type SentimentLabel } from '../../core/models/reaction.model.ts';

const HOUR_MS = 3_600_000;

/** A time in China, e.g. `2026-11-20T09:30` → that instant. */
export const cst = (local: string) => new Date(`${local}:00+08:00`);
export const hoursAfter = (date: Date, hours: number) => new Date(date.getTime() + hours * HOUR_MS);

let seq = 0;

/** A collected reaction as the collectors store it (inserted directly: the collectors are not under test). */
export function reaction(
  agencyCode: string,
  at: Date,
  options: { label?: SentimentLabel; disclosureId?: string; source?: ReactionSource; text?: string } = {},
): ReactionRecord {
  const source = options.source ?? 'weibo-comment';
  const externalId = `x${++seq}`;
  return {
    _id: `${source}:${externalId}`,
    source,
    externalId,
    agencyCode,
    ...(options.disclosureId ? { disclosureId: options.disclosureId } : {}),
    text: options.text ?? (options.label === 'neg' ? '摇号结果有问题，要求公开过程' : '已看到公示'),
    author: `p${seq}`,
    at,
    day: new Date(at.getTime() + 8 * HOUR_MS).toISOString().slice(0, 10),
    collectedAt: at,
    sentiment: { label: options.label ?? 'neu', score: 0.5, reasons: [] },
  };
}

/**
 * A quiet day then a burst: two reactions an hour (one negative in every four hours) for the
 * `hours` before `burstStart`, then `burst` reactions in the hour from `burstStart`, `negative` of
 * them negative.
 */
export async function quietThenBurst(
  db: Connection,
  agencyCode: string,
  burstStart: Date,
  { hours = 24, burst = 30, negative = 22, disclosureId }: { hours?: number; burst?: number; negative?: number; disclosureId?: string } = {},
): Promise<void> {
  const docs: ReactionRecord[] = [];
  for (let h = hours; h >= 1; h--) {
    const hourStart = hoursAfter(burstStart, -h);
    docs.push(reaction(agencyCode, hoursAfter(hourStart, 0.2), { disclosureId, label: h % 4 === 0 ? 'neg' : 'neu' }));
    docs.push(reaction(agencyCode, hoursAfter(hourStart, 0.7), { disclosureId, label: 'pos' }));
  }
  for (let i = 0; i < burst; i++) {
    docs.push(reaction(agencyCode, hoursAfter(burstStart, (i + 0.5) / (burst + 1)), { disclosureId, label: i < negative ? 'neg' : 'neu' }));
  }
  await reactionCollection(db).insertMany(docs);
}
