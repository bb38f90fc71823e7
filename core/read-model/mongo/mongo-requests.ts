import type { Collection, Db, Filter } from 'mongodb';
import { ValidationError } from '../../errors.ts';
import { decodeRequestCursor, encodeRequestCursor, type RequestCount, type RequestReadModel, type RequestRow } from '../request-types.ts';

type RequestDoc = Omit<RequestRow, 'id'> & { _id: string };

const COLLECTION = 'read_requests';
const META = 'read_model_meta';
const META_ID = 'requests';

const INDEXES: Record<string, 1 | -1>[] = [
  { agencyCode: 1, submittedAt: -1, _id: -1 },
  { residentId: 1, submittedAt: -1 },
  { agencyCode: 1, closedOn: 1, dueOn: 1 },
  { receivedOn: 1 },
  { closedOn: 1 },
];

/** The requests' projection on MongoDB (several machines), the same answers as the SQLite one. */
export async function mongoRequests(db: Db): Promise<RequestReadModel> {
  const docs = db.collection<RequestDoc>(COLLECTION);
  const meta = db.collection<{ _id: string; built?: Date | null }>(META);
  for (const keys of INDEXES) await docs.createIndex(keys);
  const toRow = ({ _id, ...rest }: RequestDoc): RequestRow => ({ id: _id, ...rest });
  const tally = (found: RequestDoc[]): RequestCount[] => {
    const by = new Map<string, RequestCount>();
    for (const d of found) {
      const key = `${d.agencyCode}\u0000${d.requesterType}`;
      const c = by.get(key) ?? { agencyCode: d.agencyCode, requesterType: d.requesterType, count: 0 };
      c.count++;
      by.set(key, c);
    }
    return [...by.values()];
  };
  const projection = { agencyCode: 1, requesterType: 1, receivedOn: 1, closedOn: 1, reportRow: 1, onTime: 1 };
  return {
    async apply(rows) {
      let changed = 0;
      for (const { id, ...rest } of rows) {
        // Without undefined keys: the driver would store them as null, and `$exists: false` relies on absence.
        const doc = JSON.parse(JSON.stringify({ _id: id, ...rest })) as RequestDoc;
        const replaced = await docs.replaceOne({ _id: id, version: { $lt: doc.version } }, doc);
        if (replaced.matchedCount) {
          changed++;
          continue;
        }
        try {
          await docs.insertOne(doc);
          changed++;
        } catch (error) {
          if ((error as { code?: number }).code !== 11000) throw error;
        }
      }
      return changed;
    },
    async isBuilt() {
      return Boolean((await meta.findOne({ _id: META_ID }))?.built);
    },
    async markBuilt() {
      await meta.updateOne({ _id: META_ID }, { $set: { built: new Date() } }, { upsert: true });
    },
    async get(id) {
      const doc = await docs.findOne({ _id: id });
      return doc ? toRow(doc) : undefined;
    },
    async listAgency(agencyCode, query) {
      const after = query.cursor === undefined ? undefined : decodeRequestCursor(query.cursor);
      if (query.cursor !== undefined && !after) throw new ValidationError('invalid cursor', [{ path: 'cursor', message: 'not a cursor this API returned for this query' }]);
      const filter: Filter<RequestDoc> = {
        agencyCode,
        ...(query.open ? { closedOn: { $exists: false } } : {}),
        ...(after ? { $or: [{ submittedAt: { $lt: after.at } }, { submittedAt: after.at, _id: { $lt: after.id } }] } : {}),
      };
      const found = await docs.find(filter).sort({ submittedAt: -1, _id: -1 }).limit(query.limit + 1).toArray();
      const page = found.slice(0, query.limit).map(toRow);
      return { items: page, nextCursor: found.length > query.limit ? encodeRequestCursor(page.at(-1)!) : null };
    },
    async listResident(residentId, limit) {
      return (await docs.find({ residentId }).sort({ submittedAt: -1 }).limit(limit).toArray()).map(toRow);
    },
    async pending(agencyCode, horizon, limit) {
      const found = await docs
        .find({ agencyCode, closedOn: { $exists: false }, $or: [{ dueOn: { $lte: horizon } }, { state: { $in: ['awaiting-receipt', 'awaiting-correction', 'consulting'] } }] })
        .toArray();
      // Soonest due first, those without a due date after them (as SQLite's `due_on IS NULL, due_on`).
      found.sort((a, b) => (a.dueOn === undefined ? 1 : 0) - (b.dueOn === undefined ? 1 : 0) || (a.dueOn ?? '').localeCompare(b.dueOn ?? '') || a.submittedAt - b.submittedAt);
      return found.slice(0, limit).map(toRow);
    },
    async report(from, to, agencyCode) {
      const scope = agencyCode === undefined ? {} : { agencyCode };
      const received = await docs.find({ ...scope, receivedOn: { $gte: from, $lte: to } }, { projection }).toArray();
      const before = await docs.find({ ...scope, receivedOn: { $lt: from } }, { projection }).toArray();
      const closedDocs = await docs.find({ ...scope, closedOn: { $gte: from, $lte: to } }, { projection }).toArray();
      const closed = new Map<string, RequestCount & { reportRow: string; onTime: boolean | null }>();
      for (const d of closedDocs) {
        const onTime = d.onTime === undefined ? null : d.onTime;
        const key = `${d.agencyCode}\u0000${d.requesterType}\u0000${d.reportRow}\u0000${onTime}`;
        const c = closed.get(key) ?? { agencyCode: d.agencyCode, requesterType: d.requesterType, reportRow: String(d.reportRow), onTime, count: 0 };
        c.count++;
        closed.set(key, c);
      }
      const openAfter = (day: string, inclusive: boolean) => (d: RequestDoc) => d.closedOn === undefined || (inclusive ? d.closedOn >= day : d.closedOn > day);
      return {
        received: tally(received),
        carriedIn: tally(before.filter(openAfter(from, true))),
        closed: [...closed.values()],
        carriedOut: tally([...before, ...received].filter(openAfter(to, false))),
      };
    },
  };
}
