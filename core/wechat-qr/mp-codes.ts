import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { SubscriptionInput } from '../subscriptions/subscriptions.ts';
import { parseScene, sceneOf, type SceneFilters } from './scene.ts';
import { sceneCodes, storeSceneCode } from './scene-codes.ts';

/**
 * The mini-program's code (小程序码) for the subscribe page, made with
 * `POST /wxa/getwxacodeunlimit`: the MP's WechatClient. Its `scene` (at most 32 visible
 * characters) is the OA code's scene (`sub1_<field|0>_<region|0>`, at most 32 with the longest
 * field code), so one scene names the same filters on both; the mini-program reads it from
 * `options.scene`. Unlimited codes cost nothing per code, but each view must not call WeChat:
 * made once per scene and stored, the image bytes themselves (served from our own route, never
 * linked at WeChat).
 */
export interface MpCodeMaker {
  readonly appId: string;
  getUnlimitedWxaCode(input: { scene: string; page: string }): Promise<{ contentType: string; bytes: Buffer }>;
}

export const MAX_MP_SCENE_LENGTH = 32;
/** The mini-program's subscribe page (miniprogram/app.json), which reads `options.scene`. */
export const MP_SUBSCRIBE_PAGE = 'pages/subscribe/subscribe';

/** One code, keyed by its scene: FerretDB 1.x answers a lone `_id` lookup in SQL. */
export interface StoredMpCode {
  _id: string;
  /** The mini-program it opens: a code of the sandbox app is no use once a real one is configured. */
  appId: string;
  page: string;
  contentType: 'image/png' | 'image/jpeg';
  /** The image, base64 (a few tens of kB). */
  image: string;
  createdAt: Date;
}

export const mpCodeCollection = (db: Connection) => db.collection('wechat_mp_codes') as unknown as Collection<StoredMpCode>;

export interface SubscribeMpCode {
  scene: string;
  filters: SubscriptionInput;
  /** Our route for the image. */
  src: string;
}

export interface SubscribeMpCodeDeps {
  db: Connection;
  maker: MpCodeMaker;
  /** The mini-program's subscribe page, as in its app.json (no leading `/`). */
  page: string;
  logger: Logger;
  now?: () => number;
  /** Whether a code may be made for these filters (the site allows regions it has public items in). */
  mayCreate?: (filters: SubscriptionInput) => Promise<boolean>;
  /** The app is the local sandbox's: its codes cannot be scanned by a real phone. */
  sandbox?: boolean;
}

export const mpCodePath = (scene: string) => `/site/mp-code/${scene}.png`;

/** The scene, when it is one the subscribe page makes codes for and fits the 32 characters. */
export function mpScene(scene: unknown): { scene: string; filters: SubscriptionInput } | undefined {
  if (typeof scene !== 'string' || scene.length > MAX_MP_SCENE_LENGTH) return undefined;
  const filters = parseScene(scene);
  return filters ? { scene, filters } : undefined;
}

/**
 * The subscribe page's mini-program codes. Made at WeChat on the first page view of a scene
 * (concurrent views in one process share the call) and stored; the image route reads only what
 * is stored, so it never calls WeChat. Never throws: without a code the page keeps its text.
 */
export function createSubscribeMpCodes(deps: SubscribeMpCodeDeps) {
  const { db, maker, logger, page } = deps;
  const now = deps.now ?? Date.now;

  const codes = sceneCodes<SubscribeMpCode>({
    logger,
    now,
    lookupFailed: 'mini-program code lookup failed; the page describes the mini-program in text',
    async make(scene, filters): Promise<SubscribeMpCode | undefined> {
      const collection = mpCodeCollection(db);
      const toCode = (): SubscribeMpCode => ({ scene, filters, src: mpCodePath(scene) });
      const stored = await collection.findOne({ _id: scene }, { projection: { appId: 1, page: 1 } });
      if (stored && stored.appId === maker.appId && stored.page === page) return toCode();
      if (codes.waiting(scene)) return undefined;
      if (deps.mayCreate && !(await deps.mayCreate(filters))) return undefined;
      let made: { contentType: string; bytes: Buffer };
      try {
        made = await maker.getUnlimitedWxaCode({ scene, page });
        if (made.contentType !== 'image/png' && made.contentType !== 'image/jpeg') throw Object.assign(new Error(`unexpected ${made.contentType}`), { code: 'bad-response' });
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? 'unexpected');
        codes.refused(scene, code);
        // The client's messages carry no token.
        logger.warn({ scene, code, err: { message: (error as Error).message } }, 'mini-program code not made; the page describes the mini-program in text');
        return undefined;
      }
      codes.made(scene);
      const doc: StoredMpCode = { _id: scene, appId: maker.appId, page, contentType: made.contentType as StoredMpCode['contentType'], image: made.bytes.toString('base64'), createdAt: new Date(now()) };
      if (!(await storeSceneCode(collection, doc, stored !== null))) logger.info({ scene }, 'mini-program code made twice at once; the stored one is used');
      logger.info({ scene }, 'mini-program code made');
      return toCode();
    },
  });

  return {
    appId: maker.appId,
    sandbox: deps.sandbox === true,
    /** The code for these filters, or undefined: no filter, not allowed, or WeChat refused. */
    async forFilters(filters: SceneFilters): Promise<SubscribeMpCode | undefined> {
      const scene = sceneOf(filters);
      const parsed = mpScene(scene);
      if (!scene || !parsed) return undefined;
      return codes.get(scene, parsed.filters);
    },
    /** The stored image of a scene, for our route; undefined for any other scene. Never calls WeChat. */
    async image(scene: string): Promise<{ contentType: string; bytes: Buffer } | undefined> {
      if (!mpScene(scene)) return undefined;
      const stored = await mpCodeCollection(db).findOne({ _id: scene });
      if (!stored || stored.appId !== maker.appId || stored.page !== page) return undefined;
      return { contentType: stored.contentType, bytes: Buffer.from(stored.image, 'base64') };
    },
  };
}

export type SubscribeMpCodes = ReturnType<typeof createSubscribeMpCodes>;
