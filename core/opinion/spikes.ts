import type { Connection } from 'mongoose';
import { recordAudit } from '../audit.ts';
import { claimIds } from '../store/claims.ts';
import { ConflictError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { opinionAlertCollection, type AlertStatus, type OpinionAlertRecord } from '../models/opinion-alert.model.ts';
import { reactionCollection } from '../models/reaction.model.ts';
import { alertOf } from './records.ts';
import { respondRecords, type WeiboPostClaim } from './respond/weibo-once.ts';
import { allOpinionSettings, DEFAULT_OPINION_SETTINGS, type OpinionSettings } from './settings.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Windows are aligned on China time, so a 1-day window is a calendar day in China. */
const CHINA_OFFSET_MS = 8 * 3_600_000;

export interface WindowCounts {
  volume: number;
  negative: number;
}

export interface SpikeVerdict {
  fire: boolean;
  reason: string;
  baseline: { volume: number; negativeShare: number; windows: number };
}

/** The latest window that has ended at `now`. */
export function latestClosedWindow(now: Date, windowMinutes: number): { start: Date; end: Date } {
  const w = windowMinutes * MINUTE_MS;
  const end = Math.floor((now.getTime() + CHINA_OFFSET_MS) / w) * w - CHINA_OFFSET_MS;
  return { start: new Date(end - w), end: new Date(end) };
}

/**
 * Compares one window with the windows before it. Volume: a z-score whose deviation is at
 * least √mean and 1, because a quiet baseline (all zeros) has no spread and any comment would
 * be infinitely abnormal. Negative share: high in itself and well above the baseline's share.
 * Both need the minimum volume, so one angry comment is never a spike.
 */
export function evaluateWindow(latest: WindowCounts, baseline: WindowCounts[], settings: OpinionSettings): SpikeVerdict {
  const n = baseline.length;
  const mean = n ? baseline.reduce((s, w) => s + w.volume, 0) / n : 0;
  const std = n ? Math.sqrt(baseline.reduce((s, w) => s + (w.volume - mean) ** 2, 0) / n) : 0;
  const sigma = Math.max(std, Math.sqrt(mean), 1);
  const z = (latest.volume - mean) / sigma;
  const baseVolume = baseline.reduce((s, w) => s + w.volume, 0);
  const baseShare = baseVolume ? baseline.reduce((s, w) => s + w.negative, 0) / baseVolume : 0;
  const share = latest.volume ? latest.negative / latest.volume : 0;
  const enough = latest.volume >= settings.minVolume;
  const volumeSpike = enough && z >= settings.volumeZ;
  const negativeSpike = enough && share >= settings.negativeShareMin && share - baseShare >= settings.negativeShareRise;
  const label = windowLabel(settings.windowMinutes);
  const reasons = [
    ...(negativeSpike ? [`近${label}负面占比 ${percent(share)}（${latest.negative}/${latest.volume} 条），基线 ${percent(baseShare)}`] : []),
    ...(volumeSpike ? [`近${label}声量 ${latest.volume} 条，基线平均 ${round1(mean)} 条`] : []),
  ];
  return {
    fire: volumeSpike || negativeSpike,
    reason: reasons.join('；'),
    baseline: { volume: round1(mean), negativeShare: Math.round(baseShare * 1000) / 1000, windows: n },
  };
}

/**
 * Looks at the latest closed window of every agency (or one) and of each of its disclosures,
 * and opens an alert for each spike. An alert's `_id` names its scope, subject and window, so
 * however many times and on however many workers this runs, each spike opens one alert.
 * Returns the alerts this call opened.
 */
export async function detectSpikes(db: Connection, now: Date, options: { agencyCode?: string } = {}): Promise<OpinionAlertRecord[]> {
  const codes = options.agencyCode ? [options.agencyCode] : (await agencyModel(db).find({}, { code: 1 }).lean()).map((a) => a.code);
  const settings = await allOpinionSettings(db);
  const ours = await ownReplyIds(db);
  const alerts: OpinionAlertRecord[] = [];
  for (const agencyCode of codes) alerts.push(...(await agencySpikes(db, agencyCode, settings.get(agencyCode) ?? DEFAULT_OPINION_SETTINGS, now, ours)));
  if (!alerts.length) return [];
  const opened = await claimIds(opinionAlertCollection(db), alerts);
  return alerts.filter((a) => opened.has(a._id));
}

/**
 * Reaction ids of the replies gongkai posted on Weibo. The collector no longer stores them, but
 * ones collected before it knew are still in `reactions`: the agency answering must not look like
 * the public stirring.
 */
async function ownReplyIds(db: Connection): Promise<Set<string>> {
  const posted = await respondRecords<WeiboPostClaim>(db).find({ state: 'posted' }, { projection: { result: 1 } }).toArray();
  return new Set(posted.flatMap((p) => (p.result?.commentId ? [`weibo-comment:${p.result.commentId}`] : [])));
}

async function agencySpikes(db: Connection, agencyCode: string, settings: OpinionSettings, now: Date, ours: ReadonlySet<string>): Promise<OpinionAlertRecord[]> {
  const { start, end } = latestClosedWindow(now, settings.windowMinutes);
  const between = async (from: Date, to: Date) => (await reactionsBetween(db, agencyCode, from, to)).filter((r) => !ours.has(r._id));
  // Most agencies are quiet: one or two small reads decide there is nothing to look at.
  const latest = await between(start, end);
  if (latest.length < settings.minVolume) return [];
  const w = settings.windowMinutes * MINUTE_MS;
  const from = new Date(start.getTime() - settings.baselineWindows * w);
  const series = new Map<string, WindowCounts[]>();
  const empty = () => Array.from({ length: settings.baselineWindows + 1 }, () => ({ volume: 0, negative: 0 }));
  for (const r of await between(from, end)) {
    const i = Math.floor((r.at.getTime() - from.getTime()) / w);
    for (const key of ['', ...(r.disclosureId ? [r.disclosureId] : [])]) {
      const counts = series.get(key) ?? empty();
      series.set(key, counts);
      counts[i]!.volume++;
      if (r.sentiment?.label === 'neg') counts[i]!.negative++;
    }
  }
  const alerts: OpinionAlertRecord[] = [];
  for (const [subject, counts] of series) {
    const last = counts[counts.length - 1]!;
    const verdict = evaluateWindow(last, counts.slice(0, -1), settings);
    if (!verdict.fire) continue;
    const scope = subject ? 'disclosure' : 'agency';
    alerts.push({
      _id: `${scope}:${subject || agencyCode}:${start.toISOString()}`,
      scope,
      agencyCode,
      ...(subject ? { disclosureId: subject } : {}),
      windowStart: start,
      windowEnd: end,
      volume: last.volume,
      negativeShare: last.volume ? Math.round((last.negative / last.volume) * 1000) / 1000 : 0,
      baseline: verdict.baseline,
      reason: verdict.reason,
      status: 'open',
      openedAt: now,
    });
  }
  return alerts;
}

/** Reads by `(agencyCode, day)` equality, which FerretDB pushes down; the time range is applied here. */
async function reactionsBetween(db: Connection, agencyCode: string, from: Date, to: Date) {
  const out: { _id: string; at: Date; disclosureId?: string; sentiment?: { label: string } }[] = [];
  const last = chinaDay(new Date(to.getTime() - 1));
  for (let day = chinaDay(from); day <= last; day = nextDay(day)) {
    const docs = await reactionCollection(db)
      .find({ agencyCode, day }, { projection: { at: 1, disclosureId: 1, sentiment: 1 } })
      .toArray();
    out.push(...docs.filter((d) => d.at >= from && d.at < to));
  }
  return out;
}

export async function listAlerts(db: Connection, agencyCode: string, status?: AlertStatus): Promise<OpinionAlertRecord[]> {
  return opinionAlertCollection(db)
    .find({ agencyCode, ...(status ? { status } : {}) })
    .sort({ openedAt: -1, _id: 1 })
    .limit(500)
    .toArray();
}

/** Dismissing twice is harmless; an alert that already has a task is followed there instead. */
export async function dismissAlert(
  db: Connection,
  input: { alertId: string; agencyCode: string; by: string; note?: string },
  now: Date,
): Promise<OpinionAlertRecord> {
  const alerts = opinionAlertCollection(db);
  const alert = await alertOf(db, input.agencyCode, input.alertId);
  if (alert.status === 'dismissed') return alert;
  if (alert.status === 'tasked') throw new ConflictError(`the alert is tasked (task ${alert.taskId}); close the task instead`, [{ path: 'status', message: 'tasked' }]);
  await alerts.updateOne({ _id: alert._id, status: 'open' }, { $set: { status: 'dismissed', dismissedBy: input.by, dismissedAt: now } });
  await recordAudit(db, {
    id: `opinion-alert:${alert._id}:dismiss`,
    action: 'opinion.alert.dismiss',
    actor: { kind: 'key', keyId: input.by, agencyCode: input.agencyCode },
    agencyCode: input.agencyCode,
    subject: alert._id,
    ...(input.note ? { detail: { note: input.note } } : {}),
    at: now,
  });
  return (await alerts.findOne({ _id: alert._id }))!;
}

function windowLabel(minutes: number): string {
  if (minutes === 1440) return '1天';
  return minutes % 60 === 0 ? `${minutes / 60}小时` : `${minutes}分钟`;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
const round1 = (x: number) => Math.round(x * 10) / 10;
const chinaDay = (date: Date) => new Date(date.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
