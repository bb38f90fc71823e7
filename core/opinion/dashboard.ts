import type { Connection } from 'mongoose';
import { NotFoundError } from '../errors.ts';
import { agencyModel } from '../models/agency.model.ts';
import { opinionAlertModel, type OpinionAlertRecord } from '../models/opinion-alert.model.ts';
import { reactionModel, type ReactionRecord, type ReactionSource, type SentimentLabel } from '../models/reaction.model.ts';
import { responseTaskModel, type ResponseTaskRecord } from '../models/response-task.model.ts';
import { disclosureStore } from '../store/disclosure-store.ts';
import { daySpan, lastDays } from './days.ts';
import { knowAgencyNames } from './agency-names.ts';
import { hotKeywords, type HotKeyword } from './keywords.ts';

/** The dashboard's window: two weeks of daily bars, one week of keywords. */
export const CHART_DAYS = 14;
export const KEYWORD_DAYS = 7;
/** Keywords come from the newest reactions only, so one page view stays one bounded read. */
export const KEYWORD_SAMPLE = 500;
export const DRILL_DOWN_ROWS = 200;
const DRILL_DOWN_CHART_DAYS = 30;
const LIST_LIMIT = 50;

export type DayCounts = { day: string } & Record<SentimentLabel, number>;

export interface DashboardData {
  agencyName: string;
  days: DayCounts[];
  total: number;
  bySource: { source: ReactionSource; count: number }[];
  keywords: HotKeyword[];
  alerts: OpinionAlertRecord[];
  tasks: ResponseTaskRecord[];
  titles: Map<string, string>;
}

export interface DrillDownData {
  id: string;
  title: string;
  status: string;
  days: DayCounts[];
  total: number;
  keywords: HotKeyword[];
  reactions: ReactionRecord[];
}

interface Bucket {
  _id: { day: string; label: SentimentLabel; source: ReactionSource };
  n: number;
}

/** Per-day, per-label, per-source counts, grouped by the database (equality match only). */
async function buckets(db: Connection, match: Record<string, unknown>): Promise<Bucket[]> {
  return reactionModel(db).aggregate<Bucket>([
    { $match: match },
    { $group: { _id: { day: '$day', label: '$sentiment.label', source: '$source' }, n: { $sum: 1 } } },
  ]);
}

function perDay(days: string[], rows: Bucket[]): DayCounts[] {
  const byDay = new Map(days.map((day) => [day, { day, neg: 0, neu: 0, pos: 0 }]));
  for (const row of rows) {
    const counts = byDay.get(row._id.day);
    if (counts && row._id.label in counts) counts[row._id.label] += row.n;
  }
  return [...byDay.values()];
}

export async function agencyDashboard(db: Connection, agencyCode: string, now: Date): Promise<DashboardData> {
  const days = lastDays(now, CHART_DAYS);
  const [agency, rows, recent, alerts, tasks] = await Promise.all([
    // The agencies' names are taught to the segmenter before the keywords below are counted.
    knowAgencyNames(db).then(() => agencyModel(db).findOne({ code: agencyCode }, { name: 1 }).lean()),
    buckets(db, { agencyCode, day: { $in: days } }),
    reactionModel(db)
      .find({ agencyCode, day: { $in: days.slice(-KEYWORD_DAYS) } }, { text: 1 })
      .sort({ at: -1 })
      .limit(KEYWORD_SAMPLE)
      .lean(),
    opinionAlertModel(db).find({ agencyCode, status: 'open' }).sort({ openedAt: -1 }).limit(LIST_LIMIT).lean(),
    responseTaskModel(db)
      .find({ agencyCode, status: { $in: ['open', 'acknowledged'] } })
      .sort({ dueAt: 1 })
      .limit(LIST_LIMIT)
      .lean(),
  ]);
  const sources = new Map<ReactionSource, number>();
  for (const row of rows) sources.set(row._id.source, (sources.get(row._id.source) ?? 0) + row.n);
  const referenced = [...alerts, ...tasks].flatMap((item) => (item.disclosureId ? [item.disclosureId] : []));
  return {
    agencyName: agency?.name ?? agencyCode,
    days: perDay(days, rows),
    total: rows.reduce((sum, row) => sum + row.n, 0),
    bySource: [...sources].map(([source, count]) => ({ source, count })).sort((a, b) => b.count - a.count),
    keywords: hotKeywords(recent.map((r) => r.text)),
    alerts,
    tasks,
    titles: await disclosureTitles(db, agencyCode, referenced),
  };
}

async function disclosureTitles(db: Connection, agencyCode: string, ids: string[]): Promise<Map<string, string>> {
  // Point reads by id (the one lookup FerretDB answers from SQL), then the agency checked here.
  const docs = await disclosureStore(db).getMany([...new Set(ids)], { projection: { title: 1, agencyCode: 1 } });
  return new Map(docs.filter((d) => d.agencyCode === agencyCode).map((d) => [d._id.toHexString(), d.title]));
}

/** One of the agency's disclosures with its reactions; another agency's is as absent as a missing one. */
export async function disclosureDrillDown(db: Connection, agencyCode: string, id: string): Promise<DrillDownData> {
  const missing = () => new NotFoundError('没有找到这条公开事项');
  const [doc] = await Promise.all([disclosureStore(db).get(id, { projection: { title: 1, status: 1, agencyCode: 1 } }), knowAgencyNames(db)]);
  if (!doc || doc.agencyCode !== agencyCode) throw missing();
  const match = { agencyCode, disclosureId: id };
  const [rows, reactions] = await Promise.all([
    buckets(db, match),
    reactionModel(db).find(match).sort({ at: -1 }).limit(DRILL_DOWN_ROWS).lean(),
  ]);
  const seen = rows.map((row) => row._id.day).sort();
  const days = seen.length ? daySpan(seen[0]!, seen.at(-1)!, DRILL_DOWN_CHART_DAYS) : [];
  return {
    id,
    title: doc.title,
    status: doc.status,
    days: perDay(days, rows),
    total: rows.reduce((sum, row) => sum + row.n, 0),
    keywords: hotKeywords(reactions.map((r) => r.text)),
    reactions,
  };
}
