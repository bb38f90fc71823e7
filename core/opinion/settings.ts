import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { recordAudit, type AuditActor } from '../audit.ts';
import { isDuplicateKeyError } from '../db.ts';

/** Window lengths that tile a China day, so daily windows are calendar days in China. */
export const WINDOW_MINUTES = [15, 30, 60, 120, 180, 240, 360, 720, 1440] as const;

/** One agency's thresholds; every field has a default, so a new agency is watched at once. */
export const opinionSettingsShape = {
  windowMinutes: z
    .number()
    .int()
    .refine((m) => (WINDOW_MINUTES as readonly number[]).includes(m), { error: `must be one of ${WINDOW_MINUTES.join(', ')}` })
    .describe('统计窗口（分钟）'),
  baselineWindows: z.number().int().min(3).max(168).describe('基线取此前多少个窗口'),
  minVolume: z.number().int().min(1).max(100_000).describe('窗口内至少多少条才可能预警'),
  volumeZ: z.number().min(1).max(20).describe('声量超出基线多少个标准差时预警'),
  negativeShareMin: z.number().min(0).max(1).describe('负面占比至少达到（0–1）'),
  negativeShareRise: z.number().min(0).max(1).describe('且高出基线负面占比至少（0–1）'),
  channelSilentDays: z.number().int().min(1).max(365).describe('渠道多少天无发布即提示'),
  replyHours: z.number().int().min(1).max(720).describe('公众号留言多少小时未答复即提示'),
};

export const opinionSettingsSchema = z.object(opinionSettingsShape).strict();
export type OpinionSettings = z.infer<typeof opinionSettingsSchema>;

/** PUT body: any subset; the rest keeps its current value. */
export const opinionSettingsPatch = opinionSettingsSchema.partial().strict();

/** 近1小时 windows, 24 of them as the baseline, at least 10 reactions, 3σ, negative ≥ 50% and +25 points. */
export const DEFAULT_OPINION_SETTINGS: Readonly<OpinionSettings> = Object.freeze({
  windowMinutes: 60,
  baselineWindows: 24,
  minVolume: 10,
  volumeZ: 3,
  negativeShareMin: 0.5,
  negativeShareRise: 0.25,
  channelSilentDays: 14,
  replyHours: 48,
});

interface SettingsRecord extends Partial<OpinionSettings> {
  /** The agency code: one document per agency. */
  _id: string;
  updatedAt: Date;
  updatedBy: string;
}

const settingsCollection = (db: Connection) => db.collection('opinion_settings') as unknown as Collection<SettingsRecord>;

/** The agency's thresholds, defaults filled in. */
export async function opinionSettings(db: Connection, agencyCode: string): Promise<OpinionSettings> {
  const doc = await settingsCollection(db).findOne({ _id: agencyCode });
  return withDefaults(doc);
}

/** Every agency that changed a threshold, keyed by agency code (the watch job reads them at once). */
export async function allOpinionSettings(db: Connection): Promise<Map<string, OpinionSettings>> {
  const docs = await settingsCollection(db).find({}).toArray();
  return new Map(docs.map((doc) => [doc._id, withDefaults(doc)]));
}

/**
 * Replaces the agency's document as a whole (never a partial update), so two admins saving at
 * once leave one admin's complete settings rather than a mix.
 */
export async function updateOpinionSettings(
  db: Connection,
  actor: Required<Pick<AuditActor, 'keyId' | 'role' | 'agencyCode'>>,
  patch: Partial<OpinionSettings>,
  now: Date,
): Promise<OpinionSettings> {
  const next = { ...(await opinionSettings(db, actor.agencyCode)), ...patch };
  const doc: SettingsRecord = { _id: actor.agencyCode, ...next, updatedAt: now, updatedBy: actor.keyId };
  try {
    await settingsCollection(db).replaceOne({ _id: actor.agencyCode }, doc, { upsert: true });
  } catch (error) {
    // Two first saves raced to insert the document: the loser replaces the winner's.
    if (!isDuplicateKeyError(error)) throw error;
    await settingsCollection(db).replaceOne({ _id: actor.agencyCode }, doc);
  }
  await recordAudit(db, {
    action: 'opinion.settings.update',
    actor: { kind: 'key', ...actor },
    agencyCode: actor.agencyCode,
    subject: actor.agencyCode,
    detail: { ...patch },
    at: now,
  });
  return next;
}

function withDefaults(doc: SettingsRecord | null): OpinionSettings {
  const out: OpinionSettings = { ...DEFAULT_OPINION_SETTINGS };
  if (!doc) return out;
  for (const key of Object.keys(DEFAULT_OPINION_SETTINGS) as (keyof OpinionSettings)[]) {
    if (typeof doc[key] === 'number') out[key] = doc[key];
  }
  return out;
}
