import type { Collection, Document } from 'mongodb';

/**
 * Claims ids by inserting documents keyed by them, and returns the ids this call created.
 *
 * FerretDB 1.x applies concurrent updates of one document without isolation (measured here:
 * 200 concurrent `$inc`s left 10; four conditional "claim" updates of one document all
 * matched), but it enforces unique keys on insert. An insert of a unique key is therefore the
 * one atomic decision both FerretDB and MongoDB give: whoever inserts the key owns the work.
 */
export async function claimIds<T extends Document & { _id: string }>(
  collection: Collection<T>,
  docs: T[],
): Promise<Set<string>> {
  if (!docs.length) return new Set();
  try {
    await collection.insertMany(docs as never, { ordered: false });
    return new Set(docs.map((d) => d._id));
  } catch (error) {
    const failed = duplicateIndexes(error);
    return new Set(docs.filter((_, i) => !failed.has(i)).map((d) => d._id));
  }
}

/** One id: true when this call inserted it. */
export async function claimId<T extends Document & { _id: string }>(collection: Collection<T>, doc: T): Promise<boolean> {
  return (await claimIds(collection, [doc])).has(doc._id);
}

/** The indexes of an unordered insert that failed as duplicates; anything else is rethrown. */
function duplicateIndexes(error: unknown): Set<number> {
  const raw = (error as { writeErrors?: unknown; code?: number }).writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { code?: number; index?: number }[];
  if (!list.length) {
    if ((error as { code?: number }).code === 11000) return new Set([0]);
    throw error;
  }
  if (list.some((e) => e.code !== 11000)) throw error;
  return new Set(list.map((e) => e.index ?? 0));
}
