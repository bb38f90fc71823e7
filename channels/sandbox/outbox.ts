import { CHANNEL_IDS, type ChannelId } from '../types.ts';

/** What the outbox records: the delivery channels, and the staff-alert group robots. */
export const OUTBOX_CHANNELS = [...CHANNEL_IDS, 'wecom-robot', 'dingtalk-robot'] as const;
export type OutboxChannel = ChannelId | 'wecom-robot' | 'dingtalk-robot';

/** One request the sandbox accepted, as the vendor would have received it. */
export interface OutboxEntry {
  channel: OutboxChannel;
  /** The vendor path, e.g. `/cgi-bin/message/template/send`. */
  path: string;
  /** The parsed request body (JSON or form), without the access token. */
  body: unknown;
  /** The id the sandbox answered with (msgid, status id), as a string. */
  externalId?: string;
  at: string;
}

/** What the sandbox received, kept in memory for `GET /sandbox/outbox?channel=`. */
export class SandboxOutbox {
  private readonly entries: OutboxEntry[] = [];
  constructor(private readonly max = 100_000) {}

  record(entry: Omit<OutboxEntry, 'at'>): void {
    this.entries.push({ ...entry, at: new Date().toISOString() });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  list(channel?: OutboxChannel): OutboxEntry[] {
    return channel ? this.entries.filter((e) => e.channel === channel) : [...this.entries];
  }

  snapshot(): OutboxEntry[] {
    return this.entries;
  }

  restore(saved: OutboxEntry[]): void {
    this.entries.length = 0;
    for (const entry of saved.slice(-this.max)) this.entries.push(entry);
  }

  clear(): void {
    this.entries.length = 0;
  }
}
