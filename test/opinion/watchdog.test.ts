import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import type { ChannelId } from '../../channels/types.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import { deliveryCollection, type DeliveryRecord } from '../../core/models/delivery.model.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishDisclosure } from '../../core/disclosures/transitions.ts';
import { createServices } from '../../core/services.ts';
import { allocationResult } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { updateOpinionSettings } from '../../core/opinion/settings.ts';
import { openTask, transitionTask } from '../../core/opinion/tasks.ts';
import { markAnswered, watchdog } from '../../core/opinion/watchdog.ts';
import { runOpinionWatch } from '../../jobs/opinion-watch.job.ts';
import { connectTestDb } from '../helpers/db.ts';
import { cst, hoursAfter, quietThenBurst, reaction } from './opinion-fixtures.ts';

const db = await connectTestDb('opinion-watchdog');
const HD = 'bj-haidian-zjw';
const CY = 'bj-chaoyang-zjw';
for (const code of [HD, CY]) await createAgency(db, { code, name: `${code} 住房和城乡建设委员会` });
const NOW = cst('2026-11-20T10:00');
const CHANNELS: ChannelId[] = ['wechat-oa', 'wechat-mp', 'weibo', 'rss'];
const daysAgo = (days: number) => hoursAfter(NOW, -24 * days);

const readModel = testReadModel();
const clock = { now: NOW };
const services = createServices(db, { readModel, now: () => clock.now });

/** A public item of the agency, published at `at` the way the API publishes, and its deliveries. */
async function published(agencyCode: string, at: Date, sent: { channel: ChannelId; at: Date; state?: DeliveryRecord['state'] }[]) {
  clock.now = at;
  const principal = { keyId: 'watchdog-test', agencyCode, role: 'publisher' as const };
  const input = createDisclosureInput.parse(allocationResult({ formedAt: '2026-09-01' }));
  const { disclosure } = await createDisclosure(services.disclosures, principal, input);
  const id = (await publishDisclosure(services.disclosures, principal, disclosure._id.toHexString()))._id;
  clock.now = NOW;
  if (!sent.length) return id.toHexString();
  await deliveryCollection(db).insertMany(
    sent.map((s, i) => ({
      _id: `${id.toHexString()}:1|${s.channel}|r${i}`,
      messageKey: `${id.toHexString()}:1`,
      disclosureId: id.toHexString(),
      agencyCode,
      channel: s.channel,
      recipientId: `r${i}`,
      state: s.state ?? 'sent',
      attempts: 1,
      ...(s.state && s.state !== 'sent' ? {} : { sentAt: s.at }),
      createdAt: at,
      updatedAt: s.at,
    })),
  );
  return id.toHexString();
}

describe('channel watch', () => {
  it('flags a configured channel silent for 14 days and one never used, not a channel that posted recently', async () => {
    await published(HD, daysAgo(20), [
      { channel: 'wechat-oa', at: daysAgo(20) },
      { channel: 'weibo', at: daysAgo(20) },
    ]);
    await published(HD, daysAgo(3), [
      { channel: 'weibo', at: daysAgo(3) },
      // Failed sends are not posts.
      { channel: 'wechat-oa', at: daysAgo(3), state: 'failed' },
    ]);
    // Another agency's recent posts do not count for 海淀.
    await published(CY, daysAgo(1), [{ channel: 'wechat-oa', at: daysAgo(1) }, { channel: 'wechat-mp', at: daysAgo(1) }]);

    const report = await watchdog(db, readModel, HD, CHANNELS, NOW);
    expect(report.channels).toEqual([
      { channel: 'wechat-oa', lastPostAt: daysAgo(20), flagged: true, reason: '已 20 天未发布（超过 14 天）' },
      { channel: 'wechat-mp', lastPostAt: null, flagged: true, reason: '已配置但从未发布（或不在最近 50 条公开信息中）' },
      { channel: 'weibo', lastPostAt: daysAgo(3), flagged: false },
    ]);
    const cy = await watchdog(db, readModel, CY, CHANNELS, NOW);
    expect(cy.channels.filter((c) => c.flagged).map((c) => c.channel)).toEqual(['weibo']);
  });

  it('follows the agency’s own silence limit', async () => {
    await updateOpinionSettings(db, { keyId: 'k-admin', role: 'admin', agencyCode: HD }, { channelSilentDays: 30 }, NOW);
    const report = await watchdog(db, readModel, HD, ['wechat-oa'], NOW);
    expect(report.channels).toEqual([{ channel: 'wechat-oa', lastPostAt: daysAgo(20), flagged: false }]);
    await updateOpinionSettings(db, { keyId: 'k-admin', role: 'admin', agencyCode: HD }, { channelSilentDays: 14 }, NOW);
  });
});

const D = await published(HD, daysAgo(5), []);

describe('follower messages', () => {
  const oa = (agencyCode: string, hoursAgo: number, disclosureId?: string) =>
    reaction(agencyCode, hoursAfter(NOW, -hoursAgo), { source: 'wechat-oa', disclosureId, text: `留言${hoursAgo}` });
  const waiting = oa(HD, 50);
  const marked = oa(HD, 60);
  const fresh = oa(HD, 10);
  const aboutD = oa(HD, 70, D);
  const aboutDLater = oa(HD, 49, D);
  const weibo = reaction(HD, hoursAfter(NOW, -80), { label: 'neg' });
  const elsewhere = oa(CY, 90);

  it('lists messages waiting over 48 hours, except those marked answered or covered by a responded task', async () => {
    await reactionCollection(db).insertMany([waiting, marked, fresh, aboutD, aboutDLater, weibo, elsewhere]);
    const first = await markAnswered(db, { reactionId: marked._id, agencyCode: HD, by: 'k-press', note: '已在后台回复' }, hoursAfter(NOW, -30));
    const again = await markAnswered(db, { reactionId: marked._id, agencyCode: HD, by: 'k-other' }, NOW);
    expect(again).toEqual(first);
    expect(first).toEqual({ reactionId: marked._id, answeredAt: hoursAfter(NOW, -30), by: 'k-press' });
    await expect(markAnswered(db, { reactionId: elsewhere._id, agencyCode: HD, by: 'k' }, NOW)).rejects.toMatchObject({ status: 404 });

    // A task about D, answered after the 70-hour-old message but before the 49-hour-old one.
    const task = await openTask(db, { agencyCode: HD, disclosureId: D, level: 'normal', owner: '宣传科', by: 'k' }, hoursAfter(NOW, -72));
    await transitionTask(db, { taskId: task._id, agencyCode: HD, by: 'k', action: 'respond', response: { text: '统一答复' } }, hoursAfter(NOW, -60));

    const report = await watchdog(db, readModel, HD, [], NOW);
    expect(report.unanswered.map((m) => [m.reactionId, m.hoursWaiting])).toEqual([
      [waiting._id, 50],
      [aboutDLater._id, 49],
    ]);
    expect(report.unanswered[1]).toMatchObject({ disclosureId: D, text: '留言49' });
    expect(report.unansweredCount).toBe(2);
    expect((await watchdog(db, readModel, CY, [], NOW)).unanswered.map((m) => m.reactionId)).toEqual([elsewhere._id]);
  });

  it('follows the agency’s own reply limit', async () => {
    await updateOpinionSettings(db, { keyId: 'k-admin', role: 'admin', agencyCode: HD }, { replyHours: 72 }, NOW);
    expect((await watchdog(db, readModel, HD, [], NOW)).unanswered).toEqual([]);
    await updateOpinionSettings(db, { keyId: 'k-admin', role: 'admin', agencyCode: HD }, { replyHours: 48 }, NOW);
  });
});

describe('the opinion-watch job', () => {
  it('opens alerts, escalates overdue tasks and reports watchdog flags in one pass, once however many run', async () => {
    const XC = 'bj-xicheng-zjw';
    await createAgency(db, { code: XC, name: '西城区住房和城乡建设委员会' });
    await quietThenBurst(db, XC, cst('2026-11-25T09:00'));
    const overdue = await openTask(db, { agencyCode: XC, level: 'major', owner: '王芳', by: 'k' }, cst('2026-11-25T03:00'));
    const deps = { db, readModel, now: () => cst('2026-11-25T10:03'), channels: ['weibo'] as ChannelId[] };
    const runs = await Promise.all([runOpinionWatch(deps), runOpinionWatch(deps)]);
    expect(runs.flatMap((r) => r.alertsOpened)).toEqual([`agency:${XC}:${cst('2026-11-25T09:00').toISOString()}`]);
    expect(runs.flatMap((r) => r.tasksEscalated)).toEqual([overdue._id]);
    expect(runs[0]!.watchdog).toContainEqual({ agencyCode: XC, silentChannels: ['weibo'], unanswered: 0 });
    // Five days on, the message that was 10 hours old is waiting too.
    expect(runs[0]!.watchdog).toContainEqual({ agencyCode: HD, silentChannels: [], unanswered: 3 });
  });
});
