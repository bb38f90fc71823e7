import type { Collection } from 'mongodb';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db.ts';
import type { SubscriptionInput } from '../subscriptions/subscriptions.ts';

const KEPT = 2_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/**
 * How long a scene waits after WeChat refused to make its code, before the next page view
 * tries again (meanwhile the page explains the text commands). 45009 (daily quota) resets at
 * 00:00 China time; 45029 (100,000 permanent codes made) does not reset at all.
 */
export function backoffMs(code: string, now: number): number {
  if (code === '45009') return DAY_MS - ((now + CHINA_OFFSET_MS) % DAY_MS);
  if (code === '45029') return DAY_MS;
  if (['40001', '40014', '41001', '42001', '40013', '40125', '40164', '48001'].includes(code)) return 5 * 60_000;
  return 60_000;
}

function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  if (map.size > KEPT) map.delete(map.keys().next().value!);
}

/**
 * What the subscribe page's OA QR codes and mini-program codes share: each scene's code is made
 * at WeChat once and stored; a process remembers what it found, concurrent views of a scene
 * share one `make`, and a scene WeChat refused waits (`backoffMs`) before it is asked again.
 * `get` never throws: without a code the page keeps its text.
 */
export function sceneCodes<T>(options: {
  logger: Logger;
  now: () => number;
  /** Logged when `make` throws (the database, not WeChat). */
  lookupFailed: string;
  make: (scene: string, filters: SubscriptionInput) => Promise<T | undefined>;
}) {
  const memo = new Map<string, T>();
  const inFlight = new Map<string, Promise<T | undefined>>();
  const waitUntil = new Map<string, number>();
  return {
    /** WeChat refused this scene recently: don't ask again yet. */
    waiting: (scene: string) => (waitUntil.get(scene) ?? 0) > options.now(),
    /** WeChat refused with `code`: the scene waits before the next try. */
    refused(scene: string, code: string) {
      setBounded(waitUntil, scene, options.now() + backoffMs(code, options.now()));
    },
    made(scene: string) {
      waitUntil.delete(scene);
    },
    get(scene: string, filters: SubscriptionInput): Promise<T | undefined> {
      const known = memo.get(scene);
      if (known !== undefined) return Promise.resolve(known);
      let pending = inFlight.get(scene);
      if (!pending) {
        pending = options
          .make(scene, filters)
          .then((code) => {
            if (code !== undefined) setBounded(memo, scene, code);
            return code;
          })
          .catch((error: unknown) => {
            options.logger.warn({ scene, err: { message: (error as Error).message } }, options.lookupFailed);
            return undefined;
          })
          .finally(() => inFlight.delete(scene));
        inFlight.set(scene, pending);
      }
      return pending;
    },
  };
}

/**
 * Stores a freshly made code under its scene: over one made for another app (`replace`), or as
 * the first. False when another process stored the scene first (a unique `_id` race): use theirs.
 */
export async function storeSceneCode<D extends { _id: string }>(codes: Collection<D>, doc: D, replace: boolean): Promise<boolean> {
  if (replace) {
    await codes.replaceOne({ _id: doc._id } as never, doc);
    return true;
  }
  try {
    await codes.insertOne(doc as never);
    return true;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    return false;
  }
}
