import type { ChannelId } from '../../channels/types.ts';
import type { DisclosureRecord, OutboxEntry } from '../models/disclosure.model.ts';

/** `r2` for the second published revision, `withdrawn` for the withdrawal. */
export type ChangeKey = `r${number}` | 'withdrawn';

export const messageKey = (disclosureId: string, change: ChangeKey) => `${disclosureId}:${change}`;
export const outboxKey = (change: ChangeKey, channel: ChannelId) => `${change}~${channel}`;

export function parseOutboxKey(key: string): { change: ChangeKey; channel: ChannelId } | undefined {
  const match = /^(r\d{1,5}|withdrawn)~([a-z-]+)$/.exec(key);
  return match ? { change: match[1] as ChangeKey, channel: match[2] as ChannelId } : undefined;
}

/**
 * The `$set` fields that queue one public change on every channel, to be merged into the
 * transition's own update: the change and its delivery duty are written together, atomically.
 */
export function outboxFields(doc: DisclosureRecord, change: ChangeKey, channels: readonly ChannelId[], now: Date) {
  const fields: Record<string, OutboxEntry> = {};
  const keys = channels.map((channel) => outboxKey(change, channel));
  channels.forEach((channel, i) => {
    fields[`outbox.${keys[i]}`] = { messageKey: messageKey(doc._id.toHexString(), change), channel, queuedAt: now };
  });
  return { fields, keys };
}
