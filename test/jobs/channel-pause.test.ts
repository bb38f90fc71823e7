import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { CHANNEL_RESUME_JOB, scheduleResume } from '../../jobs/fan-out.job.ts';
import { fanOutWorld } from '../helpers/fanout.ts';
import { agencyWithKey, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const world = await fanOutWorld('channel_pause', {}, { monitorCommands: true });
const { db, sandbox, http } = world;
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');

/** The collections the engine's connection asked about while `during` ran. */
async function collectionsTouched(during: () => Promise<void>): Promise<Set<string>> {
  const touched = new Set<string>();
  const listen = (event: CommandStartedEvent) => {
    const collection = event.command[event.commandName];
    if (typeof collection === 'string') touched.add(collection);
  };
  db.getClient().on('commandStarted', listen);
  try {
    await during();
  } finally {
    db.getClient().off('commandStarted', listen);
  }
  return touched;
}

async function publish(n: number): Promise<string> {
  const created = await http().post('/api/v1/disclosures').set(haidian.auth).send(allocationResult({ title: `海淀区第${n}批公租房配租结果公示` }));
  await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(haidian.auth).expect(200);
  return created.body.id as string;
}

const weiboRun = (id: string) => db.collection('fanouts').findOne({ _id: `${id}|r1~weibo` as never });

describe('a channel account paused by its vendor’s quota', () => {
  it('parks its fan-outs at no database cost until the pause ends, then completes them all', async () => {
    sandbox.weibo.setRateLimit({ postsPerHour: 1 });
    const ids = [await publish(1), await publish(2), await publish(3)];
    await waitFor(() => weiboRun(ids[0]!), (run) => run?.state === 'done', 20_000);
    for (const id of ids.slice(1)) await waitFor(() => weiboRun(id), (run) => run?.state === 'waiting', 20_000);
    await waitFor(() => db.collection('parked_fanouts').countDocuments(), (n) => n === 2, 20_000);
    expect(sandbox.weibo.statuses()).toHaveLength(1);
    const pause = await db.collection('channel_pauses').findOne({ _id: 'weibo' as never });
    expect(pause).toMatchObject({ reason: expect.stringMatching(/^10024 /) });
    expect((await weiboRun(ids[2]!))!.reason).toMatch(/^paused: 10024 /);
    // The other channels were not held up.
    for (const id of ids) await waitFor(() => db.collection('fanouts').findOne({ _id: `${id}|r1~webhook` as never }), (run) => run?.state === 'done', 20_000);

    // One resume for the account, and no job per parked fan-out.
    await waitFor(() => db.collection('jobs').find({ name: 'fan-out' }).toArray(), (jobs) => jobs.length === 0, 20_000);
    expect(await db.collection('jobs').countDocuments({ name: CHANNEL_RESUME_JOB, 'data.channel': 'weibo' })).toBe(1);
    const touched = await collectionsTouched(() => new Promise((resolve) => setTimeout(resolve, 1_500)));
    // Only the queue's own polling (every 200 ms here) reads anything while the pause lasts.
    expect([...touched].filter((c) => c !== 'jobs')).toEqual([]);

    // The hour passes: the quota is back, and the account's resume job comes due.
    sandbox.weibo.setRateLimit({ postsPerHour: 100 });
    await db.collection('channel_pauses').updateOne({ _id: 'weibo' as never }, { $set: { until: new Date(Date.now() - 1_000) } });
    await scheduleResume(world.queue.agenda, 'weibo', new Date());
    for (const id of ids.slice(1)) await waitFor(() => weiboRun(id), (run) => run?.state === 'done', 20_000);
    expect(sandbox.weibo.statuses()).toHaveLength(3);
    expect(await db.collection('parked_fanouts').countDocuments()).toBe(0);
    expect(await db.collection('channel_pauses').countDocuments()).toBe(0);
    expect((await weiboRun(ids[2]!))!.reason).toBeUndefined();
  });
});
