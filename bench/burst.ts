/**
 * A burst of publications on the embedded default: `npm run bench:burst -- --items 2000`.
 *
 * Runs the real service as `npm start` does (the bundle, role `all`, the embedded FerretDB it
 * starts itself, here in a temp folder) against the sandbox (WeChat, Weibo with its hourly
 * posting quota as it is, the webhook receiver) in this process, seeds one agency with a few
 * subscribers on every channel, and publishes --items procurement budgets in a row through its API, one client
 * waiting for each answer (create, then publish). It reports create+publish latency per hundred
 * items, jobs agenda canceled, the fan-outs by state at the end (parked ones with their reason),
 * and FerretDB's CPU per publication. The LAST line is
 * `items=<n> worst_hundred_p99_ms=<n> canceled=<n> fanouts_unsettled=<n> ferretdb_cpu_ms_per_item=<n>`.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { createAgency } from '../core/agencies/agencies.ts';
import { createApiKey } from '../core/agencies/api-keys.ts';
import { connectDb } from '../core/db.ts';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { freePort } from '../core/embedded/ferretdb-process.ts';
import { consentCollection, consentId } from '../core/models/consent.model.ts';
import { subscriberCollection } from '../core/models/subscriber.model.ts';
import { newSubscription, subscriptionCollection } from '../core/models/subscription.model.ts';
import { SANDBOX_APPS } from '../channels/registry.ts';
import { SANDBOX_MP_MAPPING, SANDBOX_OA_MAPPING } from '../channels/wechat/template-mapping.ts';
import { startSandbox } from '../channels/sandbox/server.ts';
import { procCpuSeconds } from './proc-stats.ts';

const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
const { values } = parseArgs({ options: { items: { type: 'string', default: '2000' }, settle: { type: 'string', default: '180' } } });
const ITEMS = Number(values.items);
const SETTLE_S = Number(values.settle);
const DB = 'bench_burst';
const WEBHOOK_SECRET = 'bench-burst-webhook-secret';
const AGENCY = { code: 'bj-haidian-czj', name: '北京市海淀区财政局', region: '110108' };

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-bench-burst-'));
// The service starts its embedded FerretDB itself, as `npm start` does; the bench only connects.
await ensureFerretDB();
const dbPort = await freePort();
const dataDir = path.join(dir, 'ferretdb');
const sandbox = await startSandbox({ webhookSecret: WEBHOOK_SECRET });
sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
sandbox.weibo.setSafeDomain(['gongkai.example.gov.cn', '127.0.0.1']);
let service: ReturnType<typeof spawn> | undefined;
const cleanup = async () => {
  if (service && service.exitCode === null) {
    const exited = new Promise((resolve) => service!.once('exit', resolve));
    service.kill('SIGTERM');
    await exited;
  }
  await sandbox.close();
  await fs.rm(dir, { recursive: true, force: true });
};

try {
  say('building the bundle (npm run build)');
  spawnSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  const logs: Record<string, unknown>[] = [];
  service = spawn(process.execPath, ['dist/gongkai.mjs', 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      EMBEDDED_DB_DIR: dataDir,
      EMBEDDED_DB_PORT: String(dbPort),
      MONGODB_DB: DB,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      PUBLIC_BASE_URL: 'https://gongkai.example.gov.cn',
      AGENCY_RATE_LIMIT: '1000000',
      // Every account live, its API pointed at the sandbox.
      WECHAT_OA_MODE: 'live',
      WECHAT_MP_MODE: 'live',
      WEIBO_MODE: 'live',
      WEBHOOK_MODE: 'live',
      WECHAT_OA_TOKEN: 'burstbenchtoken',
      WECHAT_API_BASE: sandbox.url,
      WECHAT_OA_APPID: SANDBOX_APPS.oa.appId,
      WECHAT_OA_SECRET: SANDBOX_APPS.oa.secret,
      WECHAT_OA_TEMPLATE_ID: SANDBOX_APPS.oa.templateId,
      WECHAT_OA_TEMPLATE_MAP: JSON.stringify(SANDBOX_OA_MAPPING),
      WECHAT_MP_APPID: SANDBOX_APPS.mp.appId,
      WECHAT_MP_SECRET: SANDBOX_APPS.mp.secret,
      WECHAT_MP_TEMPLATE_ID: SANDBOX_APPS.mp.templateId,
      WECHAT_MP_TEMPLATE_MAP: JSON.stringify(SANDBOX_MP_MAPPING),
      WECHAT_MP_TEMPLATE_KIND: 'long-term',
      WEIBO_API_BASE: sandbox.url,
      WEIBO_ACCESS_TOKEN: SANDBOX_APPS.weiboToken,
      WEIBO_SERVER_IP: '203.0.113.10',
      WEBHOOK_URLS: `${sandbox.url}/webhook/receive`,
      WEBHOOK_SECRET,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let partial = '';
  service.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  let base = '';
  for (let waited = 0; !base; waited += 100) {
    const listening = logs.find((l) => l.msg === 'gongkai listening');
    if (listening) base = `http://127.0.0.1:${listening.port as number}`;
    else if (waited > 60_000) throw new Error('the service did not start within 60 s');
    else await sleep(100);
  }
  const db = await connectDb({ uri: `mongodb://127.0.0.1:${dbPort}/`, dbName: DB });
  await createAgency(db, AGENCY);
  const { apiKey } = await createApiKey(db, { agencyCode: AGENCY.code, role: 'publisher' });
  const now = new Date();
  // A few residents on each per-recipient channel, subscribed to everything the agency publishes.
  for (const [channel, appId, count] of [['wechat-oa', SANDBOX_APPS.oa.appId, 5], ['wechat-mp', SANDBOX_APPS.mp.appId, 3]] as const) {
    for (let i = 0; i < count; i++) {
      const openid = `burst-${channel}-${i}`;
      const subscriberId = new Types.ObjectId();
      await subscriberCollection(db).insertOne({ _id: subscriberId, appId, openid, kind: channel === 'wechat-oa' ? 'oa-follower' : 'mp-user', status: 'active', createdAt: now, updatedAt: now });
      await subscriptionCollection(db).insertOne(newSubscription({ subscriberId, channel, address: openid, appId }, { agency: AGENCY.code }, now));
      if (channel === 'wechat-oa') sandbox.wechat.addFollower(appId, openid);
      else await consentCollection(db).insertOne({ _id: consentId(appId, openid, SANDBOX_APPS.mp.templateId), appId, openid, templateId: SANDBOX_APPS.mp.templateId, kind: 'long-term', remaining: 0, revoked: false, updatedAt: now });
    }
  }

  const ferretPid = Number((await fs.readFile(path.join(dataDir, 'ferretdb.lock'), 'utf8')).trim());
  const ferretCpuStart = procCpuSeconds(ferretPid);
  const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
  const latencies: number[] = [];
  const started = Date.now();
  for (let i = 0; i < ITEMS; i++) {
    const t0 = performance.now();
    const created = await fetch(`${base}/api/v1/disclosures`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        field: 'procurement',
        itemType: 'budget',
        title: `海淀区2026年度第${i + 1}项政府采购预算公开`,
        region: AGENCY.region,
        formedAt: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10),
        basis: 'implement',
        content: { year: 2026, purchaser: AGENCY.name, projectName: `保障性住房小区物业服务采购第${i + 1}包`, amount: 100_000 + i },
      }),
    });
    if (created.status !== 201) throw new Error(`create ${i}: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const published = await fetch(`${base}/api/v1/disclosures/${id}/publish`, { method: 'POST', headers, body: '{}' });
    if (published.status !== 200) throw new Error(`publish ${i}: ${published.status} ${await published.text()}`);
    await published.arrayBuffer();
    latencies.push(performance.now() - t0);
    if ((i + 1) % 100 === 0) say(`${i + 1}/${ITEMS} published (${Math.round(((i + 1) / (Date.now() - started)) * 1000)}/s)`);
  }
  const publishSeconds = (Date.now() - started) / 1000;

  say(`waiting up to ${SETTLE_S} s for the fan-outs to settle`);
  const jobs = db.collection('jobs');
  for (let waited = 0; waited < SETTLE_S * 1000; waited += 1000) {
    if ((await jobs.countDocuments({ name: 'fan-out' })) === 0) break;
    await sleep(1000);
  }
  const ferretCpu = procCpuSeconds(ferretPid) - ferretCpuStart;
  const fanouts = await db.collection('fanouts').find({}, { projection: { state: 1, reason: 1, outboxKey: 1 } }).toArray();
  const byState = new Map<string, number>();
  for (const f of fanouts) {
    const channel = String(f.outboxKey).split('~')[1];
    const key = `${channel} ${f.state}${f.reason ? ` (${String(f.reason).slice(0, 60)})` : ''}`;
    byState.set(key, (byState.get(key) ?? 0) + 1);
  }
  const expected = ITEMS * 4;
  const missing = expected - fanouts.length;
  const unsettled = fanouts.filter((f) => f.state !== 'done' && !(f.state === 'waiting' && f.reason)).length + Math.max(0, missing);
  const canceled = logs.filter((l) => /canceled|no lockedAt|execution took more/.test(JSON.stringify(l))).length;
  const pauses = logs.filter((l) => l.msg === 'vendor quota spent: channel paused').length;
  const pendingJobs = await jobs.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$name', n: { $sum: 1 } } }]).toArray();

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  };
  console.log(`\nbench:burst — ${ITEMS} publications in ${publishSeconds.toFixed(1)} s, one client, create + publish each\n`);
  console.log('| items | p50 ms | p99 ms | max ms |');
  console.log('|---|---|---|---|');
  let worst = 0;
  for (let i = 0; i < latencies.length; i += 100) {
    const slice = latencies.slice(i, i + 100);
    worst = Math.max(worst, pct(slice, 99));
    console.log(`| ${i + 1}–${i + slice.length} | ${pct(slice, 50).toFixed(0)} | ${pct(slice, 99).toFixed(0)} | ${Math.max(...slice).toFixed(0)} |`);
  }
  console.log(`\nfan-outs (${fanouts.length} of ${expected} expected):`);
  for (const [key, n] of [...byState].sort()) console.log(`- ${key}: ${n}`);
  console.log(`jobs left: ${pendingJobs.map((j) => `${j._id} ${j.n}`).join(', ') || 'none'}; quota pauses logged: ${pauses}; jobs canceled: ${canceled}`);
  console.log(`FerretDB CPU: ${ferretCpu.toFixed(1)} s, ${((ferretCpu * 1000) / ITEMS).toFixed(1)} ms per publication`);
  console.log(`items=${ITEMS} worst_hundred_p99_ms=${worst.toFixed(0)} canceled=${canceled} fanouts_unsettled=${unsettled} ferretdb_cpu_ms_per_item=${((ferretCpu * 1000) / ITEMS).toFixed(1)}`);
  await db.close();
} finally {
  await cleanup();
}
