import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process, scraped at /metrics. `queueDepth`, when given, is read at scrape
 * time: jobs due and not yet taken, by name.
 */
export function createMetrics(queueDepth?: () => Promise<Record<string, number>>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gongkai_' });
  return {
    registry,
    deliveries: new Counter({
      name: 'gongkai_deliveries_total',
      help: 'Delivery outcomes by channel and account mode (live, sandbox): sent (accepted by the vendor), skipped, retry, failed',
      labelNames: ['channel', 'state', 'mode'] as const,
      registers: [registry],
    }),
    sendSeconds: new Histogram({
      name: 'gongkai_send_duration_seconds',
      help: 'Time for one vendor send call',
      labelNames: ['channel'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    quotaPauses: new Counter({
      name: 'gongkai_channel_pauses_total',
      help: 'Times a channel was paused because the vendor quota was spent',
      labelNames: ['channel'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'gongkai_job_queue_depth',
      help: 'Jobs due and not yet taken by a worker, by name',
      labelNames: ['job'] as const,
      registers: [registry],
      async collect() {
        if (!queueDepth) return;
        this.reset();
        for (const [job, n] of Object.entries(await queueDepth())) this.set({ job }, n);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
export type FanOutMetrics = Pick<Metrics, 'deliveries' | 'sendSeconds' | 'quotaPauses'>;
