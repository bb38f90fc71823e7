import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import type { SubscriptionInput } from '../subscriptions/subscriptions.ts';
import { parseScene, sceneOf, type SceneFilters } from './scene.ts';
import { sceneCodes, storeSceneCode } from './scene-codes.ts';

/**
 * Makes permanent string-scene codes (QR_LIMIT_STR_SCENE) at WeChat: the OA's WechatClient.
 * Permanent, not temporary (QR_STR_SCENE, 30 days at most): the page is cached and shared,
 * people print and forward the code, and a (field, region) scene is a small fixed set, far
 * under the account's 100,000 permanent codes; so each scene is made once and kept.
 */
export interface QrCodeMaker {
  readonly appId: string;
  createLimitQrCode(scene: string): Promise<{ ticket: string; url: string }>;
}

/** One permanent code, keyed by its scene: FerretDB 1.x answers a lone `_id` lookup in SQL. */
export interface StoredQrCode {
  _id: string;
  /** The OA it was made for: a code of the sandbox account is no use once a real one is configured. */
  appId: string;
  action: 'QR_LIMIT_STR_SCENE';
  ticket: string;
  /** What the code encodes (`http://weixin.qq.com/q/…`); we render it, never WeChat's image. */
  url: string;
  createdAt: Date;
}

export const qrCodeCollection = (db: Connection) => db.collection('wechat_qr_codes') as unknown as Collection<StoredQrCode>;

export interface SubscribeQr {
  scene: string;
  filters: SubscriptionInput;
  url: string;
  /** `<svg …>…</svg>` from the `qrcode` package, without an accessible name (the page adds it). */
  svg: string;
}

export interface SubscribeQrDeps {
  db: Connection;
  maker: QrCodeMaker;
  logger: Logger;
  now?: () => number;
  /**
   * Whether a code may be made for these filters. Each code is one of the account's 100,000 for
   * good, so a request naming any six digits must not make one: the site allows regions it has
   * public items in.
   */
  mayCreate?: (filters: SubscriptionInput) => Promise<boolean>;
  /** The account is the local sandbox's (no credentials): its codes cannot be scanned by a real phone. */
  sandbox?: boolean;
}

/** SVG of the code, 4 modules of quiet zone as the QR standard asks, medium error correction. */
export function qrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
}

/**
 * The subscribe page's QR codes: looked up by scene, made at WeChat on the first view of a
 * scene and stored, so each is made once (within a process, concurrent views share one call).
 * Two processes' first views at once both call WeChat, and the second insert loses on the
 * unique `_id` and uses the first's code: a wasted call, and, should WeChat not answer a repeated
 * scene_str with the same code (the sandbox does; unconfirmed for WeChat), one unused code of the
 * 100,000. Never throws: without a code the page explains the text commands instead.
 */
export function createSubscribeQrCodes(deps: SubscribeQrDeps) {
  const { db, maker, logger } = deps;
  const now = deps.now ?? Date.now;
  const toQr = async (scene: string, filters: SubscriptionInput, url: string): Promise<SubscribeQr> => ({ scene, filters, url, svg: await qrSvg(url) });

  const codes = sceneCodes<SubscribeQr>({
    logger,
    now,
    lookupFailed: 'subscribe QR code lookup failed; the page shows the text commands',
    async make(scene, filters): Promise<SubscribeQr | undefined> {
      const collection = qrCodeCollection(db);
      const stored = await collection.findOne({ _id: scene });
      if (stored && stored.appId === maker.appId) return toQr(scene, filters, stored.url);
      if (codes.waiting(scene)) return undefined;
      if (deps.mayCreate && !(await deps.mayCreate(filters))) return undefined;
      let made: { ticket: string; url: string };
      try {
        made = await maker.createLimitQrCode(scene);
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? 'unexpected');
        codes.refused(scene, code);
        // The client's messages carry no token; the secret never reaches an error.
        logger.warn({ scene, code, err: { message: (error as Error).message } }, 'subscribe QR code not made; the page shows the text commands');
        return undefined;
      }
      codes.made(scene);
      // Over a code made for another account (the sandbox's, before real credentials), or the first.
      const doc: StoredQrCode = { _id: scene, appId: maker.appId, action: 'QR_LIMIT_STR_SCENE', ...made, createdAt: new Date(now()) };
      if (!(await storeSceneCode(collection, doc, stored !== null))) {
        const theirs = await collection.findOne({ _id: scene });
        logger.info({ scene }, 'subscribe QR code made twice at once; the stored one is used');
        if (theirs && theirs.appId === maker.appId) return toQr(scene, filters, theirs.url);
      }
      logger.info({ scene }, 'subscribe QR code made');
      return toQr(scene, filters, made.url);
    },
  });

  return {
    appId: maker.appId,
    sandbox: deps.sandbox === true,
    /** The code for these filters, or undefined: none to make (no filter), not allowed, or WeChat refused. */
    async forFilters(filters: SceneFilters): Promise<SubscribeQr | undefined> {
      const scene = sceneOf(filters);
      const parsed = scene ? parseScene(scene) : undefined;
      if (!scene || !parsed) return undefined;
      return codes.get(scene, parsed);
    },
  };
}

export type SubscribeQrCodes = ReturnType<typeof createSubscribeQrCodes>;
