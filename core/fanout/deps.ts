import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { Channel, ChannelId } from '../../channels/types.ts';
import type { ChannelMode } from '../config-channels.ts';
import type { FanOutMetrics } from '../metrics.ts';
import type { MessageSite } from './message.ts';
import type { WebhookEndpoint } from './recipients.ts';
import type { Throttle } from './throttle.ts';

/** Everything the fan-out engine needs, wired once in jobs/worker.ts and replaced in tests. */
export interface FanOutDeps {
  db: Connection;
  channels: ReadonlyMap<ChannelId, Channel>;
  /** Each wired channel's account mode, written into every delivery record. */
  modes: ReadonlyMap<ChannelId, ChannelMode>;
  site: MessageSite;
  webhooks: WebhookEndpoint[];
  /** The mini-program app and subscribe template, whose consents gate `wechat-mp` sends. */
  mp?: { appId: string; templateId: string };
  /** Tag that `broadcast` items are mass-sent to on the official account, when configured. */
  massTagId?: number;
  throttle: (channel: ChannelId) => Throttle;
  /** Identifies this process in leases and claims. */
  workerId: string;
  batchSize: number;
  /** How long a worker may hold an outbox or a claim without renewing it. */
  leaseMs: number;
  now: () => Date;
  /** Aborted when the process shuts down: fan-outs stop at their next checkpoint and give up their lease. */
  stopping?: AbortSignal;
  logger: Logger;
  metrics?: FanOutMetrics;
  random?: () => number;
}
