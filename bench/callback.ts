/**
 * The official account's callback under a burst: `npm run bench:callback -- --followers 2000,20000`.
 *
 * For each follower count N: its own embedded FerretDB (SQLite handler, in a temp folder) holding N
 * followers, each subscribed once, restarted after seeding so the `_id` lookup index is built as
 * `npm start` builds it on existing data; the callback route (`wechatOaRoutes`, as `createApp`
 * mounts it) listening on 127.0.0.1 with the callback's background work running as `npm start`
 * runs it; then --pushes (200) signed pushes sent all at once over HTTP, as WeChat's servers would:
 * subscribe events of new followers (half through a subscribe QR code), `订阅 …` and `退订` texts
 * and unsubscribe events of seeded followers. Each reply's time is measured from the request to
 * the last byte; a reply counts as an error unless it is a 200 with the expected text.
 * Afterwards the bench waits for the state to be right (every push's effect stored) and reports
 * how long that took.
 *
 * The table goes to stdout; the LAST line is `followers=<n> pushes=<n> p99_ms=<n> errors=<n>` for
 * the largest N. Progress goes to stderr.
 */
import type { AddressInfo } from 'node:net';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { Types, type Connection } from 'mongoose';
import pino from 'pino';
import { errorHandler } from '../api/middleware/errors.ts';
import { requestId } from '../api/middleware/request-id.ts';
import { wechatOaRoutes } from '../api/routes/wechat-oa.routes.ts';
import { connectDb } from '../core/db.ts';
import { createKnownCollections } from '../core/embedded/known-collections.ts';
import { backfillSubscriberKeys } from '../core/subscriptions/subscriber-keys.ts';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { freePort, startFerretDB } from '../core/embedded/ferretdb-process.ts';
import { subscriberCollection, type SubscriberRecord } from '../core/models/subscriber.model.ts';
import { newSubscription, subscriptionCollection, type SubscriptionRecord } from '../core/models/subscription.model.ts';
import type { CallbackTaskRunner } from '../core/wechat-callback/deferred.ts';
import { pushXml, signPush } from '../core/wechat-callback/push-builder.ts';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const { values } = parseArgs({
  options: {
    followers: { type: 'string', default: '2000,20000' },
    pushes: { type: 'string', default: '200' },
    settle: { type: 'string', default: '300' },
    inline: { type: 'string' },
    warm: { type: 'string' },
  },
});
const FOLLOWER_COUNTS = values.followers.split(',').map(Number);
const PUSHES = Number(values.pushes);
/** Pushes in each of the two unmeasured warm-up bursts. */
const WARM = Number(values.warm ?? values.pushes);
const SETTLE_S = Number(values.settle);
const TOKEN = 'callbackbenchtoken';
const APP_ID = 'wx-sandbox-oa';
const DB = 'bench_callback';

type Kind = 'follow' | 'follow-qr' | 'subscribe-text' | 'unsubscribe-text' | 'unfollow';
/** The mix of a burst, in tenths: mostly new followers, as after a poster goes up. */
const MIX: Kind[] = ['follow', 'follow', 'follow-qr', 'follow-qr', 'subscribe-text', 'subscribe-text', 'subscribe-text', 'unsubscribe-text', 'unsubscribe-text', 'unfollow'];
/** What a reply must contain (undefined: the body is `success`). */
const EXPECTED: Record<Kind, RegExp | undefined> = {
  follow: /感谢关注/,
  'follow-qr': /订阅/,
  'subscribe-text': /订阅/,
  'unsubscribe-text': /退订|没有订阅/,
  unfollow: undefined,
};

interface Push {
  kind: Kind;
  openid: string;
  xml: string;
}

interface Row {
  followers: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  acknowledged: number;
  perSecond: number;
  settledS: number | undefined;
}

const seededOpenid = (i: number) => `o-bench-follower-${String(i).padStart(6, '0')}`;

/** N followers, each with one housing subscription in one of a hundred districts. */
async function seed(db: Connection, followers: number): Promise<void> {
  const now = new Date();
  for (let start = 0; start < followers; start += 5000) {
    const subscribers: SubscriberRecord[] = [];
    const subscriptions: SubscriptionRecord[] = [];
    for (let i = start; i < Math.min(followers, start + 5000); i++) {
      const openid = seededOpenid(i);
      const subscriber: SubscriberRecord = { _id: new Types.ObjectId(), appId: APP_ID, openid, kind: 'oa-follower', status: 'active', createdAt: now, updatedAt: now };
      subscribers.push(subscriber);
      subscriptions.push(newSubscription({ subscriberId: subscriber._id, channel: 'wechat-oa', address: openid, appId: APP_ID }, { field: 'housing', region: `1101${String(i % 100).padStart(2, '0')}` }, now));
    }
    await subscriberCollection(db).insertMany(subscribers, { ordered: false });
    await subscriptionCollection(db).insertMany(subscriptions, { ordered: false });
  }
}

/** The burst: new followers come first in the mix, seeded ones are each used once. */
function burst(followers: number, runId: string): Push[] {
  const createTime = Math.floor(Date.now() / 1000);
  let msgId = BigInt(Date.now()) * 1000n;
  return Array.from({ length: PUSHES }, (_, i): Push => {
    const kind = MIX[i % MIX.length]!;
    const base = { ToUserName: 'gh_gongkai', CreateTime: createTime };
    // Seeded followers spread over the whole collection, never the same one twice.
    const seeded = seededOpenid(Math.floor(((i + 0.5) / PUSHES) * followers));
    switch (kind) {
      case 'follow':
      case 'follow-qr': {
        const openid = `o-bench-new-${runId}-${i}`;
        const EventKey = kind === 'follow-qr' ? `qrscene_sub1_land_1101${String(i % 100).padStart(2, '0')}` : '';
        return { kind, openid, xml: pushXml({ ...base, FromUserName: openid, MsgType: 'event', Event: 'subscribe', EventKey }) };
      }
      case 'subscribe-text':
        return { kind, openid: seeded, xml: pushXml({ ...base, FromUserName: seeded, MsgType: 'text', Content: '订阅 采购 110108', MsgId: String(msgId++) }) };
      case 'unsubscribe-text':
        return { kind, openid: seeded, xml: pushXml({ ...base, FromUserName: seeded, MsgType: 'text', Content: '退订', MsgId: String(msgId++) }) };
      case 'unfollow':
        return { kind, openid: seeded, xml: pushXml({ ...base, FromUserName: seeded, MsgType: 'event', Event: 'unsubscribe', EventKey: '' }) };
    }
  });
}

/** True once every push's effect is stored. */
async function settled(db: Connection, pushes: Push[]): Promise<boolean> {
  const subscribers = await subscriberCollection(db).find({ openid: { $in: pushes.map((p) => p.openid) } }).toArray();
  const byOpenid = new Map(subscribers.map((s) => [s.openid, s]));
  const subscriptions = await subscriptionCollection(db).find({ subscriberId: { $in: subscribers.map((s) => s._id) } }).toArray();
  for (const push of pushes) {
    const subscriber = byOpenid.get(push.openid);
    const mine = subscriber ? subscriptions.filter((s) => s.subscriberId.equals(subscriber._id)) : [];
    const active = mine.filter((s) => s.active);
    const ok = {
      follow: subscriber?.status === 'active',
      'follow-qr': subscriber?.status === 'active' && active.some((s) => s.field === 'land'),
      'subscribe-text': active.some((s) => s.field === 'procurement' && s.region === '110108'),
      'unsubscribe-text': mine.length === 0,
      unfollow: subscriber?.status === 'unfollowed' && active.length === 0,
    }[push.kind];
    if (!ok) return false;
  }
  return true;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function run(followers: number): Promise<Row> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-callback-'));
  const binary = await ensureFerretDB();
  const port = await freePort();
  let ferret = await startFerretDB({ binary, port, dataDir: dir });
  let db: Connection | undefined;
  let server: ReturnType<Koa['listen']> | undefined;
  try {
    db = await connectDb({ uri: ferret.uri, dbName: DB });
    say(`${followers} followers: seeding`);
    await seed(db, followers);
    // What start-up does before any push: the collections made (so they get the index below) and
    // the callback job's one-off backfill of subscriber keys for followers stored before keys.
    await createKnownCollections(db);
    await backfillSubscriberKeys(db);
    await db.close();
    // As after a restart of `npm start`: the `_id` lookup index is built on the existing tables.
    await ferret.stop();
    ferret = await startFerretDB({ binary, port, dataDir: dir });
    db = await connectDb({ uri: ferret.uri, dbName: DB });

    // Counts the pushes acknowledged (handled after their reply) from the route's own log line.
    let acknowledged = 0;
    const logger = pino({ level: 'info' }, { write: (line: string) => void (line.includes('acknowledged, handled after the reply') ? acknowledged++ : line.includes('"level":40') || line.includes('"level":50') ? process.stderr.write(line) : 0) });
    const koa = new Koa();
    koa.silent = true;
    koa.use(requestId());
    koa.use(errorHandler());
    koa.use(bodyParser({ enableTypes: ['json'], jsonLimit: '1mb', jsonStrict: true, encoding: 'utf-8' }));
    let tasks: CallbackTaskRunner | undefined;
    const onTaskRunner = (runner: CallbackTaskRunner) => void (tasks = runner);
    koa.use(wechatOaRoutes({ db, appId: APP_ID, token: TOKEN, logger, onTaskRunner, ...(values.inline ? { inlinePushes: Number(values.inline) } : {}) }).routes());
    server = koa.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat/oa`;

    // A few pushes one at a time first, so connection set-up, the models' first use (mongoose
    // creates their indexes then) and first-query costs are not in the figures.
    const warmTime = Math.floor(Date.now() / 1000);
    const warmups: Record<string, string>[] = [
      { MsgType: 'event', Event: 'subscribe', EventKey: '' },
      { MsgType: 'text', Content: '订阅 住房 110105', MsgId: '1' },
      { MsgType: 'text', Content: '我的订阅', MsgId: '2' },
      { MsgType: 'text', Content: '退订', MsgId: '3' },
    ];
    const send = async (xml: string) => {
      const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, xml, { now: new Date() });
      await (await fetch(`${base}?${new URLSearchParams(query)}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml' } })).text();
    };
    for (const fields of warmups) await send(pushXml({ ToUserName: 'gh_gongkai', FromUserName: 'o-bench-warm', CreateTime: warmTime, ...fields }));
    // And two bursts of warm-up followers through every path (follow, QR, 订阅, 退订, unfollow), unmeasured:
    // a server that has been up a while has these paths compiled; the first burst in a process is slower.
    const warmFollower = (i: number) => `o-bench-warm-${i}`;
    await Promise.all(Array.from({ length: WARM }, (_, i) => send(pushXml({ ToUserName: 'gh_gongkai', FromUserName: warmFollower(i), CreateTime: warmTime, MsgType: 'event', Event: 'subscribe', EventKey: i % 2 ? 'qrscene_sub1_housing_110105' : '' }))));
    await tasks!.idle();
    const warmText = ['订阅 采购 110108', '退订', '我的订阅'];
    await Promise.all(
      Array.from({ length: WARM }, (_, i) =>
        send(
          i % 4 === 3
            ? pushXml({ ToUserName: 'gh_gongkai', FromUserName: warmFollower(i), CreateTime: warmTime, MsgType: 'event', Event: 'unsubscribe', EventKey: '' })
            : pushXml({ ToUserName: 'gh_gongkai', FromUserName: warmFollower(i), CreateTime: warmTime, MsgType: 'text', Content: warmText[i % 4]!, MsgId: String(10 + i) }),
        ),
      ),
    );
    await tasks!.idle();
    acknowledged = 0;

    const pushes = burst(followers, String(followers));
    say(`${followers} followers: ${pushes.length} pushes at once`);
    const started = performance.now();
    const results = await Promise.all(
      pushes.map(async (push) => {
        const { query, body } = signPush({ token: TOKEN, appId: APP_ID }, push.xml, { now: new Date() });
        const t0 = performance.now();
        try {
          const res = await fetch(`${base}?${new URLSearchParams(query)}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml' } });
          const text = await res.text();
          const expected = EXPECTED[push.kind];
          const ok = res.status === 200 && (expected ? expected.test(text) : text === 'success');
          if (!ok) say(`unexpected reply to ${push.kind}: ${res.status} ${text.slice(0, 200)}`);
          return { ms: performance.now() - t0, ok };
        } catch (error) {
          say(`${push.kind} failed: ${String(error)}`);
          return { ms: performance.now() - t0, ok: false };
        }
      }),
    );
    const wallS = (performance.now() - started) / 1000;
    const sorted = results.map((r) => r.ms).sort((a, b) => a - b);

    say(`${followers} followers: waiting up to ${SETTLE_S} s for every push's effect to be stored`);
    let settledS: number | undefined;
    for (;;) {
      if (await settled(db, pushes)) {
        settledS = (performance.now() - started) / 1000;
        break;
      }
      if ((performance.now() - started) / 1000 > SETTLE_S) break;
      await sleep(1000);
    }
    await tasks!.idle();
    return {
      followers,
      p50: pct(sorted, 50),
      p90: pct(sorted, 90),
      p99: pct(sorted, 99),
      max: sorted[sorted.length - 1]!,
      errors: results.filter((r) => !r.ok).length,
      acknowledged,
      perSecond: pushes.length / wallS,
      settledS,
    };
  } finally {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await db?.close().catch(() => undefined);
    await ferret.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const rows: Row[] = [];
for (const followers of FOLLOWER_COUNTS) rows.push(await run(followers));

console.log(`\nbench:callback — ${PUSHES} signed pushes at once (new followers, 订阅, 退订, unfollows), embedded FerretDB\n`);
console.log('| followers | p50 ms | p90 ms | p99 ms | max ms | errors | acknowledged | replies/s | state right after s |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.followers} | ${r.p50.toFixed(0)} | ${r.p90.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.max.toFixed(0)} | ${r.errors} | ${r.acknowledged} | ${r.perSecond.toFixed(0)} | ${r.settledS === undefined ? `not within ${SETTLE_S}` : r.settledS.toFixed(1)} |`,
  );
}
const last = rows[rows.length - 1]!;
console.log(`followers=${last.followers} pushes=${PUSHES} p99_ms=${last.p99.toFixed(0)} errors=${last.errors}`);
process.exit(0);
