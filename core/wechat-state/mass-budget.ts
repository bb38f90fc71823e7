import type { Connection } from 'mongoose';
import type { MassBudget, MassReservation } from '../../channels/wechat/wechat-oa.channel.ts';
import { isDuplicateKeyError } from '../db.ts';

/** One of the month's sends, held by the message key that took it. */
interface SlotDoc {
  /** `${appId}:${month}:${slot}`: the unique _id is what makes taking a slot atomic. */
  _id: string;
  appId: string;
  month: string;
  slot: number;
  key: string;
  at: Date;
}

export interface MassBudgetOptions {
  /** Mass sends per app per calendar month (China time); default 4, the per-user cap WeChat applies. */
  limit?: number;
  collection?: string;
}

/** `YYYY-MM` of the China (UTC+8) calendar month. */
export const chinaMonth = (at: Date) => new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);

/**
 * The monthly mass-send budget per OA app in `wechat_mass_budget`. WeChat delivers at most 4 mass
 * messages a month to each follower and silently drops the rest, so a fifth broadcast would reach
 * nobody: it is refused here before it is sent.
 *
 * The budget is `limit` slot documents per app and month, each taken by inserting it. Not one
 * counter document with a conditional `$inc`: FerretDB 1.x (SQLite) applies updates and
 * findAndModify as read-then-write without isolation, so two concurrent conditional increments
 * at the limit both succeed (observed on 1.24.2; FerretDB/FerretDB#3040). A unique `_id` insert
 * and a delete are atomic there, as on MongoDB.
 */
export function createMassBudget(db: Connection, options: MassBudgetOptions = {}): MassBudget {
  const limit = options.limit ?? 4;
  const slots = () => db.collection<SlotDoc>(options.collection ?? 'wechat_mass_budget');
  const used = (appId: string, month: string) => slots().countDocuments({ appId, month });

  async function take(appId: string, month: string, key: string, at: Date): Promise<SlotDoc | undefined> {
    for (let slot = 1; slot <= limit; slot++) {
      const doc = { _id: `${appId}:${month}:${slot}`, appId, month, slot, key, at };
      try {
        await slots().insertOne(doc);
        return doc;
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
    return undefined;
  }

  return {
    async reserve(appId, key, at = new Date()): Promise<MassReservation> {
      const month = chinaMonth(at);
      const result = (ok: boolean, slot?: SlotDoc) =>
        used(appId, month).then((n) => ({ ok, used: n, limit, appId, month, key, ...(slot ? { slotId: slot._id } : {}) }));
      // The same message again (a retry): it already holds a slot.
      const held = await slots().findOne({ appId, month, key }, { sort: { slot: 1 } });
      if (held) return result(true, held);
      const mine = await take(appId, month, key, at);
      if (!mine) return result(false);
      // Two concurrent reservations for one key: the lower slot keeps it, the other gives its slot back.
      const first = await slots().findOne({ appId, month, key }, { sort: { slot: 1 } });
      if (first && first._id !== mine._id) {
        await slots().deleteOne({ _id: mine._id });
        return result(true, first);
      }
      return result(true, mine);
    },

    async release(reservation) {
      if (reservation.slotId) await slots().deleteOne({ _id: reservation.slotId, key: reservation.key });
    },
  };
}
