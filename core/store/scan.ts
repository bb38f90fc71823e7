import type { Collection, Document, Filter, FindCursor, WithId } from 'mongodb';

/**
 * Every document in the collection's natural (insertion) order, streamed.
 *
 * FerretDB 1.x pushes no filter but a lone `_id` down and sorts in memory, so a sorted or
 * filtered read decodes the whole collection before its first row; a natural-order scan streams
 * from the first row. Filters, when given, are left to the caller's code for that reason.
 */
export function naturalScan<T extends Document>(collection: Collection<T>, projection?: Record<string, 0 | 1>, batchSize = 500): FindCursor<WithId<T>> {
  return collection.find({} as Filter<T>, { ...(projection ? { projection } : {}), batchSize }).hint({ $natural: 1 });
}

/**
 * FerretDB 1.24 holds a pooled connection per statement until an update command ends, and hangs
 * at 100 statements on SQLite (50 on PostgreSQL): bulk writes go in chunks well below that.
 */
export const BULK_CHUNK = 40;

export async function chunkedBulkWrite<T extends Document>(collection: Collection<T>, ops: Parameters<Collection<T>['bulkWrite']>[0]): Promise<void> {
  for (let i = 0; i < ops.length; i += BULK_CHUNK) await collection.bulkWrite(ops.slice(i, i + BULK_CHUNK), { ordered: false });
}
