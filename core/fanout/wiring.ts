import { hostname } from 'node:os';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { WiredChannels } from '../../channels/registry.ts';
import type { ChannelId } from '../../channels/types.ts';
import type { ChannelsConfig } from '../config-channels.ts';
import type { FanOutMetrics } from '../metrics.ts';
import type { FanOutDeps } from './deps.ts';
import { createThrottle, type Throttle } from './throttle.ts';

/** The engine's dependencies from the process's configuration and wired channels. */
export function fanOutDeps(
  db: Connection,
  config: ChannelsConfig,
  wired: WiredChannels,
  site: FanOutDeps['site'],
  logger: Logger,
  metrics?: FanOutMetrics,
): FanOutDeps {
  const throttles = new Map<ChannelId, Throttle>();
  return {
    db,
    channels: wired.channels,
    modes: wired.modes,
    site,
    webhooks: wired.webhooks,
    ...(wired.mp ? { mp: wired.mp } : {}),
    ...(config.wechatOaMassTag ? { massTagId: config.wechatOaMassTag } : {}),
    throttle: (channel) => {
      let throttle = throttles.get(channel);
      if (!throttle) throttles.set(channel, (throttle = createThrottle(config.throttle)));
      return throttle;
    },
    workerId: `${hostname()}:${process.pid}`,
    batchSize: config.fanOut.batchSize,
    leaseMs: config.fanOut.leaseMs,
    now: () => new Date(),
    logger: logger.child({ module: 'fan-out' }),
    metrics,
  };
}
