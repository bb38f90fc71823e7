import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { untilNextHour, weiboErrorClass } from '../../../channels/weibo/errors.ts';
import type { WeiboClient } from '../../../channels/weibo/weibo-client.ts';
import { fetchComments, fetchMentions, fetchReposts, type ReactionBatch } from '../../../channels/weibo/weibo-reactions.ts';
import { ChannelError } from '../../../channels/types.ts';
import { deliveryCollection } from '../../models/delivery.model.ts';
import { ingestReactions, type IngestResult, type ReactionItem } from '../ingest.ts';
import type { Sentiment } from '../sentiment/index.ts';
import { backOff, backoffUntil, collectCursors, saveCursor, type CollectCursor } from './collect-state.ts';
import { disclosureNamedIn } from './match-disclosure.ts';
import type { ReadModel } from '../../read-model/types.ts';
import { respondRecords, type WeiboPostClaim } from '../respond/weibo-once.ts';

export interface WeiboCollectDeps {
  db: Connection;
  /** Finds the disclosure a mention names; absent: mentions are filed without one. */
  readModel?: ReadModel;
  client: WeiboClient;
  /** The account's token, or a function reading the current one (as the Weibo channel takes it). */
  accessToken: string | (() => string | Promise<string>);
  now: () => Date;
  logger: Logger;
  pseudonymKey?: string;
  /** Statuses posted longer ago than this are no longer polled: threads go quiet, quota does not. */
  maxAgeDays: number;
  /** The agency owning the account; the account's mentions are collected only when it is known. */
  accountAgency?: string;
  /** Statuses polled per run (least recently polled first), so one run stays within the hourly quota. */
  maxStatusesPerRun?: number;
  /**
   * The account's mode: only statuses posted in it are polled (a sandbox status asked of the real
   * Weibo would be 20101 and dropped for good). Records from before modes count as live.
   */
  mode?: 'live' | 'sandbox';
  sentiment?: Sentiment;
}

export interface WeiboCollectResult extends IngestResult {
  polled: number;
  /** Why the run ended early: a stored backoff, a quota answer now, a dead token, another failure. */
  stopped?: 'backoff' | 'rate-limited' | 'reauth' | 'error';
}

interface OurStatus {
  statusId: string;
  disclosureId: string;
  agencyCode: string;
}

const SOURCE = 'weibo';
const KINDS = [
  { kind: 'comment', source: 'weibo-comment', fetch: fetchComments },
  { kind: 'repost', source: 'weibo-repost', fetch: fetchReposts },
] as const;
/** Weibo's answer for a status that no longer exists (deleted by us or by Weibo). */
const STATUS_GONE = '20101';

const cursorId = (statusId: string, kind: string) => `weibo:${statusId}:${kind}`;

/** Our statuses young enough to poll, least recently polled first; deleted ones left out. */
async function statusesToPoll(deps: WeiboCollectDeps, now: Date): Promise<{ statuses: OurStatus[]; cursors: Map<string, CollectCursor> }> {
  const since = new Date(now.getTime() - deps.maxAgeDays * 86_400_000);
  const sent = await deliveryCollection(deps.db)
    .find(
      { channel: 'weibo', state: 'sent', sentAt: { $gte: since }, ...(deps.mode ? { mode: deps.mode === 'sandbox' ? 'sandbox' : { $ne: 'sandbox' as const } } : {}) },
      { projection: { externalId: 1, disclosureId: 1, agencyCode: 1 } },
    )
    .toArray();
  const byStatus = new Map<string, OurStatus>();
  for (const d of sent) if (d.externalId) byStatus.set(d.externalId, { statusId: d.externalId, disclosureId: d.disclosureId, agencyCode: d.agencyCode });
  const ids = [...byStatus.keys()].flatMap((s) => KINDS.map((k) => cursorId(s, k.kind)));
  const cursors = new Map((await collectCursors(deps.db).find({ _id: { $in: ids } }).toArray()).map((c) => [c._id, c]));
  const lastPolled = (s: OurStatus) => Math.min(...KINDS.map((k) => cursors.get(cursorId(s.statusId, k.kind))?.polledAt.getTime() ?? 0));
  const statuses = [...byStatus.values()]
    .filter((s) => !KINDS.some((k) => cursors.get(cursorId(s.statusId, k.kind))?.gone))
    .sort((a, b) => lastPolled(a) - lastPolled(b))
    .slice(0, deps.maxStatusesPerRun ?? 50);
  return { statuses, cursors };
}

/**
 * One collection run: new comments and reposts of every status gongkai posted (and, with an
 * account agency, new mentions of the account), each stream from its stored since_id. A quota
 * answer (10022/10023/10024) ends the run and keeps every later run away until the hour turns.
 */
export async function collectWeibo(deps: WeiboCollectDeps): Promise<WeiboCollectResult> {
  const now = deps.now();
  const total: WeiboCollectResult = { polled: 0, inserted: 0, duplicates: 0 };
  const until = await backoffUntil(deps.db, SOURCE, now);
  if (until) return { ...total, stopped: 'backoff' };
  const token = typeof deps.accessToken === 'function' ? await deps.accessToken() : deps.accessToken;
  const add = (r: IngestResult) => {
    total.inserted += r.inserted;
    total.duplicates += r.duplicates;
  };
  const log = deps.logger.child({ module: 'opinion-collect', source: SOURCE });

  const { statuses, cursors } = await statusesToPoll(deps, now);
  const ours = await ourReplies(deps.db, statuses.map((s) => s.statusId));
  for (const status of statuses) {
    for (const { kind, source, fetch } of KINDS) {
      const id = cursorId(status.statusId, kind);
      let batch: ReactionBatch;
      try {
        batch = await fetch(deps.client, token, status.statusId, cursors.get(id)?.sinceId, { pseudonymKey: deps.pseudonymKey });
      } catch (error) {
        const stop = await onError(deps, log, error, now, id);
        if (stop) return { ...total, stopped: stop };
        break; // the status is gone: its other stream is too
      }
      if (!batch.complete) log.warn({ statusId: status.statusId, kind }, 'more new reactions than one run reads; older ones of this run were skipped');
      // The agency's own replies (by the status's owner, or recorded when we posted them) are not public opinion.
      const items: ReactionItem[] = batch.items.filter((r) => !r.byOwner && !ours.has(r.externalId)).map((r) => ({
        source,
        externalId: r.externalId,
        agencyCode: status.agencyCode,
        disclosureId: status.disclosureId,
        statusId: status.statusId,
        text: r.text,
        author: r.author,
        at: r.createdAt,
      }));
      add(await ingestReactions(deps.db, items, now, deps.sentiment));
      await saveCursor(deps.db, id, { ...(batch.sinceId ? { sinceId: batch.sinceId } : {}), polledAt: now });
    }
    total.polled += 1;
  }
  if (deps.accountAgency) {
    const stop = await collectMentions(deps, deps.accountAgency, token, now, add, log);
    if (stop) return { ...total, stopped: stop };
  }
  return total;
}

/** Comment ids of the replies gongkai posted under these statuses (opinion_responses). */
async function ourReplies(db: Connection, statusIds: readonly string[]): Promise<Set<string>> {
  if (!statusIds.length) return new Set();
  const posted = await respondRecords<WeiboPostClaim>(db)
    .find({ statusId: { $in: [...statusIds] }, state: 'posted' }, { projection: { result: 1 } })
    .toArray();
  return new Set(posted.flatMap((p) => (p.result?.commentId ? [p.result.commentId] : [])));
}

async function collectMentions(
  deps: WeiboCollectDeps,
  agencyCode: string,
  token: string,
  now: Date,
  add: (r: IngestResult) => void,
  log: Logger,
): Promise<WeiboCollectResult['stopped']> {
  const id = 'weibo:mentions';
  const cursor = await collectCursors(deps.db).findOne({ _id: id });
  let batch: Awaited<ReturnType<typeof fetchMentions>>;
  try {
    batch = await fetchMentions(deps.client, token, cursor?.sinceId, { pseudonymKey: deps.pseudonymKey });
  } catch (error) {
    return onError(deps, log, error, now, id);
  }
  const items: ReactionItem[] = [];
  for (const m of batch.items) {
    const disclosureId = await disclosureNamedIn(deps.readModel, agencyCode, m.text);
    items.push({ source: 'weibo-mention', externalId: m.externalId, agencyCode, ...(disclosureId ? { disclosureId } : {}), text: m.text, author: m.author, at: m.createdAt });
  }
  add(await ingestReactions(deps.db, items, now, deps.sentiment));
  await saveCursor(deps.db, id, { ...(batch.sinceId ? { sinceId: batch.sinceId } : {}), polledAt: now });
  return undefined;
}

/** Quota → back off and stop; dead token or anything unknown → stop; a deleted status → never poll it again. */
async function onError(deps: WeiboCollectDeps, log: Logger, error: unknown, now: Date, cursor: string): Promise<WeiboCollectResult['stopped']> {
  if (error instanceof ChannelError && error.code === STATUS_GONE) {
    await saveCursor(deps.db, cursor, { gone: true, polledAt: now });
    log.info({ cursor }, 'status deleted on Weibo; no longer polled');
    return undefined;
  }
  const cls = weiboErrorClass(error);
  const code = error instanceof ChannelError ? error.code : 'unknown';
  if (cls === 'wait') {
    const retryAfter = (error as ChannelError).retryAfterMs ?? untilNextHour(now);
    const notBefore = new Date(now.getTime() + retryAfter);
    await backOff(deps.db, SOURCE, notBefore, code, now);
    log.warn({ code, notBefore }, 'Weibo quota spent: reaction collection paused');
    return 'rate-limited';
  }
  if (cls === 'reauth') {
    log.error({ code }, 'Weibo token rejected: reaction collection stopped until the account is re-authorised');
    return 'reauth';
  }
  log.warn({ code, err: error instanceof ChannelError ? error.message : String(error) }, 'Weibo reaction collection stopped for this run');
  return 'error';
}
