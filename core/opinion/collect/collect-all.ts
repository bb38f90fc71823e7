import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { IngestResult } from '../ingest.ts';
import type { Sentiment } from '../sentiment/index.ts';
import { collectFeedback } from './feedback.collector.ts';
import { collectOaInbox } from './inbox.collector.ts';
import { collectWeibo, type WeiboCollectResult } from './weibo.collector.ts';
import type { OpinionCollectOptions } from './wiring.ts';

export interface CollectAllDeps extends Partial<OpinionCollectOptions> {
  db: Connection;
  now: () => Date;
  logger: Logger;
  sentiment?: Sentiment;
}

export interface CollectAllResult {
  weibo?: WeiboCollectResult;
  wechatOa?: IngestResult;
  miniprogram?: IngestResult;
  /** Sources whose run failed; the others still ran. */
  failed: string[];
}

/** One collection run over every source. A source that fails is logged and skipped; the next run retries it. */
export async function collectAllReactions(deps: CollectAllDeps): Promise<CollectAllResult> {
  const log = deps.logger.child({ module: 'opinion-collect' });
  const result: CollectAllResult = { failed: [] };
  const { db, now, sentiment } = deps;
  const attempt = async <T>(source: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      log.error({ err: error, source }, 'reaction collection failed for this source');
      result.failed.push(source);
      return undefined;
    }
  };
  if (deps.weibo) {
    const weibo = deps.weibo;
    result.weibo = await attempt('weibo', () =>
      collectWeibo({ db, now, logger: deps.logger, sentiment, pseudonymKey: deps.pseudonymKey, readModel: deps.readModel, ...weibo }),
    );
  }
  if (deps.oaAgency) {
    const agencyCode = deps.oaAgency;
    result.wechatOa = await attempt('wechat-oa', () => collectOaInbox({ db, now, agencyCode, sentiment, readModel: deps.readModel }));
  }
  result.miniprogram = await attempt('miniprogram', () => collectFeedback({ db, now, sentiment, pseudonymKey: deps.pseudonymKey }));
  log.debug(result, 'reaction collection run');
  return result;
}
