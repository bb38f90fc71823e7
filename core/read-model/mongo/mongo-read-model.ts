import type { Collection, Db } from 'mongodb';
import type { DisclosureRecord } from '../../models/disclosure.model.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { agencyMatch } from './mongo-agency-filter.ts';
import { rowOf } from '../row.ts';
import type { AgencyListItem, PendingItem, ReadModel, ReportRow } from '../types.ts';
import { mongoPublicQueries } from './mongo-queries.ts';
import { mongoDocOf, type MongoReadDoc } from './mongo-row.ts';
import { mongoRequests } from './mongo-requests.ts';

const COLLECTION = 'read_disclosures';
const META = 'read_model_meta';
const DAY_MS = 86_400_000;

/** Indexes for the queries below on MongoDB; FerretDB keeps them too but answers by scanning. */
const INDEXES: Record<string, 1 | -1>[] = [
  { public: 1, sortKey: -1 },
  { public: 1, field: 1, sortKey: -1 },
  { public: 1, province: 1, sortKey: -1 },
  { public: 1, city: 1, sortKey: -1 },
  { public: 1, region: 1, sortKey: -1 },
  { public: 1, agencyCode: 1, sortKey: -1 },
  { tokens: 1, sortKey: -1 },
  { public: 1, publicChangedAt: -1 },
  { agencyCode: 1, updatedAt: -1, _id: -1 },
  { agencyCode: 1, status: 1, dueAt: 1 },
  { agencyCode: 1, reviewState: 1, reviewRequestedAt: 1 },
  { publishedAt: 1 },
  { withdrawnAt: 1 },
  { corrections: 1 },
  { applicationNumbers: 1 },
  { respondsTo: 1 },
  // A plain index (not partial: FerretDB has none); rows without a closing date sort as null.
  { closesAt: 1, sortKey: 1 },
];

/**
 * The read model for several machines on one replica set: a lean collection beside
 * `disclosures`, with the indexes its queries need. Same rows and answers as the SQLite one.
 */
export async function createMongoReadModel(db: Db, options: { now?: () => number; facetSample?: number } = {}): Promise<ReadModel> {
  const rows = db.collection<MongoReadDoc>(COLLECTION);
  const meta = db.collection<{ _id: string; built?: Date | null }>(META);
  for (const keys of INDEXES) await rows.createIndex(keys);
  const pub = mongoPublicQueries(rows, options.now ?? Date.now, options.facetSample);
  const requests = await mongoRequests(db);
  const model: ReadModel = {
    kind: 'mongodb',
    async apply(docs: readonly DisclosureRecord[]) {
      let changed = 0;
      for (const doc of docs) changed += Number(await applyOne(rows, mongoDocOf(rowOf(doc))));
      return changed;
    },
    async reset() {
      await meta.updateOne({ _id: 'mongodb' }, { $set: { built: null } }, { upsert: true });
      await rows.deleteMany({});
    },
    async markBuilt() {
      await meta.updateOne({ _id: 'mongodb' }, { $set: { built: new Date() } }, { upsert: true });
    },
    async isBuilt() {
      return Boolean((await meta.findOne({ _id: 'mongodb' }))?.built);
    },
    async status() {
      return {
        kind: 'mongodb',
        state: (await model.isBuilt()) ? 'ready' : 'building',
        rows: await rows.estimatedDocumentCount(),
        publicRows: await rows.countDocuments({ public: true }),
        location: `${db.databaseName}.${COLLECTION}`,
      };
    },
    async *digests() {
      for await (const d of rows.find({}, { projection: { version: 1, hash: 1 } })) yield { id: d._id, version: d.version, hash: d.hash };
    },
    listPublic: pub.list,
    recentlyChanged: pub.recentlyChanged,
    publicSitemap: pub.publicSitemap,
    closingBetween: pub.closingBetween,
    async listAgency(agencyCode, query) {
      const after = query.cursor ? decodeCursor(query.cursor, 'updated') : undefined;
      const docs = await rows
        .find(
          {
            ...agencyMatch(agencyCode, query),
            ...(after ? { $or: [{ updatedAt: { $lt: new Date(after.at) } }, { updatedAt: new Date(after.at), _id: { $lt: after.id } }] } : {}),
          },
          { projection: { agencyItem: 1, updatedAt: 1 } },
        )
        .sort({ updatedAt: -1, _id: -1 })
        .limit(query.limit + 1)
        .toArray();
      const page = docs.slice(0, query.limit);
      const last = page.at(-1);
      return {
        items: page.map((d) => {
          const { calendarGaps: _gaps, ...item } = d.agencyItem as unknown as AgencyListItem & { calendarGaps?: number[] };
          return item;
        }),
        nextCursor: docs.length > query.limit && last ? encodeCursor({ kind: 'updated', at: last.updatedAt.getTime(), id: last._id }) : null,
      };
    },
    async pendingCompliance(agencyCode, horizon, limit): Promise<PendingItem[]> {
      const docs = await rows.find({ agencyCode, status: 'draft', dueAt: { $lte: horizon } }, { projection: { agencyItem: 1 } }).sort({ dueAt: 1, _id: 1 }).limit(limit).toArray();
      return docs.map((d) => {
        const item = d.agencyItem as unknown as AgencyListItem & { calendarGaps: number[] };
        return { id: item.id, title: item.title, field: item.field, itemType: item.itemType, formedAt: item.formedAt, dueOn: item.dueOn, dueAt: new Date(item.dueAt), calendarGaps: item.calendarGaps };
      });
    },
    async pendingReviews(agencyCode, limit) {
      const docs = await rows.find({ agencyCode, reviewState: 'pending' }, { projection: { _id: 1 } }).sort({ reviewRequestedAt: 1, _id: 1 }).limit(limit).toArray();
      return docs.map((d) => d._id);
    },
    async annualReport(start, end, agencyCode) {
      const scope = agencyCode ? { agencyCode } : {};
      const report = new Map<string, ReportRow>();
      const rowFor = (d: MongoReadDoc) => {
        const key = `${d.agencyCode}\u0000${d.field}`;
        let row = report.get(key);
        if (!row) report.set(key, (row = { agencyCode: d.agencyCode, agencyName: d.agencyName, field: d.field, published: 0, onTime: 0, late: 0, corrected: 0, withdrawn: 0, days: [] }));
        return row;
      };
      const inRange = (d?: Date) => d !== undefined && d >= start && d < end;
      const projection = { agencyCode: 1, agencyName: 1, field: 1, onTime: 1, publishedAt: 1, formedMs: 1, withdrawnAt: 1, corrections: 1 };
      for await (const d of rows.find({ ...scope, publishedAt: { $gte: start, $lt: end } }, { projection })) {
        const row = rowFor(d);
        row.published++;
        if (d.onTime) row.onTime++;
        else row.late++;
        row.days.push(Math.floor((d.publishedAt!.getTime() - d.formedMs) / DAY_MS));
      }
      for await (const d of rows.find({ ...scope, corrections: { $gte: start, $lt: end } }, { projection })) {
        const n = d.corrections.filter((c) => inRange(c)).length;
        if (n) rowFor(d).corrected += n;
      }
      for await (const d of rows.find({ ...scope, withdrawnAt: { $gte: start, $lt: end } }, { projection })) rowFor(d).withdrawn++;
      return [...report.values()];
    },
    async namedIn(agencyCode, { ids, codes }) {
      const or = [...(ids.length ? [{ _id: { $in: ids } }] : []), ...(codes.length ? [{ applicationNumbers: { $in: codes } }, { projectCode: { $in: codes } }] : [])];
      if (!or.length) return undefined;
      const [found] = await rows.find({ agencyCode, public: true, $or: or }, { projection: { _id: 1 } }).sort({ sortKey: -1 }).limit(1).toArray();
      return found?._id;
    },
    async responsesTo(agencyCode, originalId, limit) {
      const docs = await rows.find({ respondsTo: originalId, agencyCode, public: true }, { projection: { _id: 1 } }).sort({ sortKey: 1 }).limit(limit).toArray();
      return docs.map((d) => d._id);
    },
    requests,
    async close() {},
  };
  return model;
}

/**
 * Replaces the row when the stored one is older, inserts it when there is none. A conditional
 * replace on MongoDB; on FerretDB two applies racing may leave the older one, which the next
 * change of the disclosure (or `gongkai index verify`) repairs.
 */
async function applyOne(rows: Collection<MongoReadDoc>, doc: MongoReadDoc): Promise<boolean> {
  const replaced = await rows.replaceOne({ _id: doc._id, version: { $lt: doc.version } }, doc);
  if (replaced.matchedCount) return true;
  try {
    await rows.insertOne(doc);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 11000) return false;
    throw error;
  }
}
