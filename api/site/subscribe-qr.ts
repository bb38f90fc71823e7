import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Services } from '../../core/services.ts';
import { createSubscribeQrCodes, type QrCodeMaker, type SubscribeQrCodes } from '../../core/wechat-qr/qr-codes.ts';
import { createSubscribeMpCodes, type MpCodeMaker, type SubscribeMpCodes } from '../../core/wechat-qr/mp-codes.ts';

/**
 * The subscribe page's QR codes, made by the official account. A code is made only for a
 * region the site has public items in (or none): each permanent code is one of the account's
 * 100,000 for good, so `?region=` with any six digits must not spend one.
 */
export function subscribeQrCodes(db: Connection, services: Services, logger: Logger, options: { maker: QrCodeMaker; now?: () => number; sandbox?: boolean }): SubscribeQrCodes {
  return createSubscribeQrCodes({
    db,
    maker: options.maker,
    logger: logger.child({ module: 'subscribe-qr' }),
    ...(options.now ? { now: options.now } : {}),
    sandbox: options.sandbox === true,
    mayCreate: async ({ region }) => !region || (await services.readModel.listPublic({ region, limit: 1 })).items.length > 0,
  });
}

/** The subscribe page's mini-program codes, made by the mini-program for the same scenes the OA codes would be. */
export function subscribeMpCodes(db: Connection, services: Services, logger: Logger, options: { maker: MpCodeMaker; page: string; now?: () => number; sandbox?: boolean }): SubscribeMpCodes {
  return createSubscribeMpCodes({
    db,
    maker: options.maker,
    page: options.page,
    logger: logger.child({ module: 'subscribe-mp-code' }),
    ...(options.now ? { now: options.now } : {}),
    sandbox: options.sandbox === true,
    mayCreate: async ({ region }) => !region || (await services.readModel.listPublic({ region, limit: 1 })).items.length > 0,
  });
}
