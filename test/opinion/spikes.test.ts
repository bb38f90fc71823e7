import { describe, expect, it } from 'vitest';
import { createAgency } from '../../core/agencies/agencies.ts';
import { opinionAlertCollection } from '../../core/models/opinion-alert.model.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { DEFAULT_OPINION_SETTINGS, opinionSettings, updateOpinionSettings } from '../../core/opinion/settings.ts';
import { detectSpikes, dismissAlert, evaluateWindow, latestClosedWindow } from '../../core/opinion/spikes.ts';
import { connectTestDb } from '../helpers/db.ts';
import { cst, hoursAfter, quietThenBurst, reaction } from './opinion-fixtures.ts';

const db = await connectTestDb('opinion-spikes');
const HD = 'bj-haidian-zjw';
const CY = 'bj-chaoyang-zjw';
const DISCLOSURE = '6650a1b2c3d4e5f601234567';
for (const code of [HD, CY, 'bj-xicheng-zjw', 'bj-dongcheng-zjw']) await createAgency(db, { code, name: `${code} 住房和城乡建设委员会` });
const admin = (agencyCode: string) => ({ keyId: 'a1b2c3d4e5f60718', role: 'admin', agencyCode });

describe('evaluateWindow', () => {
  const quiet = Array.from({ length: 24 }, (_, i) => ({ volume: 2, negative: i % 4 === 0 ? 1 : 0 }));

  it('fires on a burst with a Chinese reason naming the negative share and its baseline', () => {
    const verdict = evaluateWindow({ volume: 30, negative: 22 }, quiet, DEFAULT_OPINION_SETTINGS);
    expect(verdict.fire).toBe(true);
    expect(verdict.reason).toBe('近1小时负面占比 73%（22/30 条），基线 13%；近1小时声量 30 条，基线平均 2 条');
    expect(verdict.baseline).toEqual({ volume: 2, negativeShare: 0.125, windows: 24 });
  });

  it('does not fire on one angry comment, however quiet the baseline', () => {
    const silent = Array.from({ length: 24 }, () => ({ volume: 0, negative: 0 }));
    expect(evaluateWindow({ volume: 1, negative: 1 }, silent, DEFAULT_OPINION_SETTINGS).fire).toBe(false);
    expect(evaluateWindow({ volume: 9, negative: 9 }, silent, DEFAULT_OPINION_SETTINGS).fire).toBe(false);
    expect(evaluateWindow({ volume: 10, negative: 9 }, silent, DEFAULT_OPINION_SETTINGS).fire).toBe(true);
  });

  it('does not fire on a busy but usual hour, nor on a negative share the baseline already had', () => {
    const busy = Array.from({ length: 24 }, (_, i) => ({ volume: 40 + (i % 3) * 5, negative: 24 }));
    expect(evaluateWindow({ volume: 50, negative: 30 }, busy, DEFAULT_OPINION_SETTINGS).fire).toBe(false);
    const volumeOnly = evaluateWindow({ volume: 120, negative: 10 }, busy, DEFAULT_OPINION_SETTINGS);
    expect(volumeOnly.fire).toBe(true);
    expect(volumeOnly.reason).toMatch(/^近1小时声量 120 条，基线平均 45 条$/);
  });

  it('aligns windows on China time (a 1-day window is a calendar day in China)', () => {
    expect(latestClosedWindow(cst('2026-11-20T10:05'), 60)).toEqual({ start: cst('2026-11-20T09:00'), end: cst('2026-11-20T10:00') });
    expect(latestClosedWindow(cst('2026-11-20T00:30'), 1440)).toEqual({ start: cst('2026-11-19T00:00'), end: cst('2026-11-20T00:00') });
  });
});

describe('detectSpikes', () => {
  it('opens exactly one alert per scope for a burst after a quiet day, even when run twice at once', async () => {
    await quietThenBurst(db, HD, cst('2026-11-20T09:00'), { disclosureId: DISCLOSURE });
    // Another agency's quiet hour is not part of 海淀's figures.
    await reactionCollection(db).insertMany([reaction(CY, cst('2026-11-20T09:10'), { label: 'neg' })]);
    const now = cst('2026-11-20T10:05');
    const [first, second] = await Promise.all([detectSpikes(db, now), detectSpikes(db, now)]);
    const opened = [...first, ...second].map((a) => a._id).sort();
    const start = cst('2026-11-20T09:00').toISOString();
    expect(opened).toEqual([`agency:${HD}:${start}`, `disclosure:${DISCLOSURE}:${start}`]);
    const stored = await opinionAlertCollection(db).find({}).sort({ _id: 1 }).toArray();
    expect(stored).toHaveLength(2);
    expect(stored[1]).toMatchObject({
      scope: 'disclosure',
      agencyCode: HD,
      disclosureId: DISCLOSURE,
      windowStart: cst('2026-11-20T09:00'),
      windowEnd: cst('2026-11-20T10:00'),
      volume: 30,
      negativeShare: 0.733,
      baseline: { volume: 2, negativeShare: 0.125, windows: 24 },
      status: 'open',
      openedAt: now,
    });
    expect(stored[1]!.reason).toContain('近1小时负面占比 73%');
    expect(stored[1]!.reason).toContain('基线 13%');
    // Running again in the same window, or in the next quiet one, opens nothing new.
    expect(await detectSpikes(db, hoursAfter(now, 0.5))).toEqual([]);
    expect(await detectSpikes(db, hoursAfter(now, 1))).toEqual([]);
    expect(await opinionAlertCollection(db).countDocuments({})).toBe(2);
  });

  it('uses the agency’s own thresholds from its settings', async () => {
    const XC = 'bj-xicheng-zjw';
    await quietThenBurst(db, XC, cst('2026-11-21T09:00'), { burst: 12, negative: 4 });
    const now = cst('2026-11-21T10:01');
    await updateOpinionSettings(db, admin(XC), { minVolume: 20 }, now);
    expect((await opinionSettings(db, XC)).minVolume).toBe(20);
    expect(await detectSpikes(db, now, { agencyCode: XC })).toEqual([]);

    await updateOpinionSettings(db, admin(XC), { minVolume: 5, volumeZ: 4 }, now);
    const alerts = await detectSpikes(db, now, { agencyCode: XC });
    expect(alerts.map((a) => a._id)).toEqual([`agency:${XC}:${cst('2026-11-21T09:00').toISOString()}`]);
    expect(alerts[0]!.reason).toBe('近1小时声量 12 条，基线平均 2 条');
    // Other agencies keep the defaults.
    expect(await opinionSettings(db, HD)).toEqual(DEFAULT_OPINION_SETTINGS);
  });

  it('counts 30-minute windows when an admin sets them', async () => {
    const DC = 'bj-dongcheng-zjw';
    await updateOpinionSettings(db, admin(DC), { windowMinutes: 30, baselineWindows: 12, minVolume: 8 }, cst('2026-11-22T00:00'));
    await reactionCollection(db).insertMany(
      Array.from({ length: 8 }, (_, i) => reaction(DC, cst(`2026-11-22T14:${String(31 + i).padStart(2, '0')}`), { label: 'neg' })),
    );
    const alerts = await detectSpikes(db, cst('2026-11-22T15:02'), { agencyCode: DC });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.windowStart).toEqual(cst('2026-11-22T14:30'));
    expect(alerts[0]!.reason).toBe('近30分钟负面占比 100%（8/8 条），基线 0%；近30分钟声量 8 条，基线平均 0 条');
  });

  it('does not count the agency\'s own Weibo replies collected before the collector knew them', async () => {
    const SJS = 'bj-shijingshan-zjw';
    await createAgency(db, { code: SJS, name: `${SJS} 住房和城乡建设委员会` });
    const residents = Array.from({ length: 9 }, (_, i) => reaction(SJS, cst(`2026-11-23T14:${String(10 + i).padStart(2, '0')}`), { label: 'neg' }));
    const own = reaction(SJS, cst('2026-11-23T14:30'), { label: 'neg', text: '您反映的问题已转相关科室核实' });
    await reactionCollection(db).insertMany([...residents, own]);
    await db.collection('opinion_responses').insertOne({
      _id: 'respond:spike-own:weibo' as never, taskId: 'spike-own', state: 'posted', statusId: 's1', result: { commentId: own.externalId, statusId: 's1' }, at: cst('2026-11-23T14:30'),
    });
    const now = cst('2026-11-23T15:01');
    // 9 reactions from the public: under the minimum volume (10), so no alert; the reply would have made it 10.
    expect(await detectSpikes(db, now, { agencyCode: SJS })).toEqual([]);
    await db.collection('opinion_responses').deleteOne({ _id: 'respond:spike-own:weibo' as never });
    expect(await detectSpikes(db, now, { agencyCode: SJS })).toHaveLength(1);
  });

  it('dismisses an open alert once, scoped to its agency', async () => {
    const [alert] = await opinionAlertCollection(db).find({ agencyCode: HD, scope: 'agency' }).toArray();
    const at = cst('2026-11-20T11:00');
    await expect(dismissAlert(db, { alertId: alert!._id, agencyCode: CY, by: 'k' }, at)).rejects.toMatchObject({ status: 404 });
    const dismissed = await dismissAlert(db, { alertId: alert!._id, agencyCode: HD, by: 'k1', note: '正常讨论' }, at);
    expect(dismissed).toMatchObject({ status: 'dismissed', dismissedBy: 'k1', dismissedAt: at });
    const again = await dismissAlert(db, { alertId: alert!._id, agencyCode: HD, by: 'k2' }, hoursAfter(at, 1));
    expect(again).toMatchObject({ dismissedBy: 'k1', dismissedAt: at });
  });
});
