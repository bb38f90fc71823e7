import type { Connection } from 'mongoose';
import { deliveryCollection } from '../models/delivery.model.ts';

/** What WeChat reported of one broadcast (MASSSENDJOBFINISH) of a disclosure's change. */
export interface BroadcastResult {
  change: string;
  mode: string;
  /** Followers the broadcast addressed (TotalCount). */
  totalCount: number;
  /** Followers left after WeChat's filter (FilterCount): refusers and those over 4 broadcasts this month are removed. */
  filterCount: number;
  /** totalCount − filterCount: how many WeChat filtered out, e.g. because a console broadcast spent their month. */
  filtered: number;
  sentCount: number;
  errorCount: number;
  status: string;
  at: Date;
}

/**
 * The broadcasts (mass sends by tag) of a disclosure whose outcome WeChat has pushed. A
 * broadcast is one delivery record to the tag; its counts arrive later on the callback.
 */
export async function broadcastResults(db: Connection, disclosureId: string): Promise<BroadcastResult[]> {
  const records = await deliveryCollection(db)
    .find({ disclosureId, channel: 'wechat-oa', massResult: { $exists: true } }, { projection: { messageKey: 1, mode: 1, massResult: 1 } })
    .toArray();
  return records.flatMap((d) => {
    const r = d.massResult;
    if (!r) return [];
    return [
      {
        change: d.messageKey.split(':')[1] ?? '',
        mode: d.mode ?? 'unrecorded',
        totalCount: r.totalCount,
        filterCount: r.filterCount,
        filtered: Math.max(0, r.totalCount - r.filterCount),
        sentCount: r.sentCount,
        errorCount: r.errorCount,
        status: r.status,
        at: r.at,
      },
    ];
  });
}
