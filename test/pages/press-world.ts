import type { Connection } from 'mongoose';
import request from 'supertest';
import { reactionCollection, type ReactionRecord, type ReactionSource, type SentimentLabel } from '../../core/models/reaction.model.ts';
import { opinionAlertCollection } from '../../core/models/opinion-alert.model.ts';
import { responseTaskCollection, type ResponseTaskRecord } from '../../core/models/response-task.model.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { agencyWithKey, allocationResult, testApp } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

export const NOW = new Date('2026-11-20T10:00:00+08:00');
export const SESSION_SECRET = 'press-pages-test-secret-0123456789abcdef';
const HOUR = 3_600_000;

/**
 * The real app with the press pages, two agencies (海淀 with press, admin and publisher keys;
 * 朝阳 with a press key) and one draft disclosure each, made through the API.
 */
export async function pressWorld(label: string, options: { publicBaseUrl?: string } = {}) {
  const db = await connectTestDb(label);
  const clock = { now: NOW };
  const now = () => clock.now;
  const { logger, lines } = captureLogs();
  const services = createServices(db, { readModel: testReadModel(), logger, now });
  const app = testApp({ logger, db, services }, { publicBaseUrl: options.publicBaseUrl ?? 'https://gongkai.test.gov.cn', press: { sessionSecret: SESSION_SECRET, now } });
  const http = () => request(app.callback());
  const haidian = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');
  const haidianPress = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
  const haidianAdmin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
  const chaoyang = await agencyWithKey(db, 'bj-chaoyang-zjw', 'publisher', '北京市朝阳区住房和城乡建设委员会');
  const chaoyangPress = await agencyWithKey(db, 'bj-chaoyang-zjw', 'press');
  const draft = async (auth: Record<string, string>, title: string) => {
    const res = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ title }));
    if (res.status !== 201) throw new Error(`draft: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  };
  const haidianItem = await draft(haidian.auth, '海淀区2026年第三批公共租赁住房分配结果公示');
  const chaoyangItem = await draft(chaoyang.auth, '朝阳区2026年第二批公共租赁住房分配结果公示');
  return { db, app, http, clock, logs: lines, haidian, haidianPress, haidianAdmin, chaoyang, chaoyangPress, haidianItem, chaoyangItem };
}

let seq = 0;

export function reaction(
  agencyCode: string,
  disclosureId: string | undefined,
  day: string,
  label: SentimentLabel,
  text: string,
  reasons: string[],
  source: ReactionSource = 'weibo-comment',
): ReactionRecord {
  const externalId = `c${++seq}`;
  const at = new Date(`${day}T09:${String(seq % 60).padStart(2, '0')}:00+08:00`);
  return {
    _id: `${source}:${externalId}`,
    source,
    externalId,
    agencyCode,
    ...(disclosureId ? { disclosureId } : {}),
    text,
    author: `u${seq}`,
    at,
    day,
    collectedAt: at,
    sentiment: { label, score: label === 'neg' ? 0.91 : label === 'pos' ? 0.85 : 0.6, reasons },
  };
}

/**
 * 海淀's fortnight: 11-18 (2 neg, 1 neu), 11-19 (2 neu, 1 pos), 11-20 (3 neg, 1 pos) — ten
 * reactions, one of them a script. 朝阳 has reactions too, which 海淀 must never see.
 */
export async function seedOpinion(db: Connection, w: { haidianItem: string; chaoyangItem: string }) {
  const hd = 'bj-haidian-zjw';
  const item = w.haidianItem;
  const rows = [
    reaction(hd, item, '2026-11-18', 'neg', '摇号结果暗箱操作，公租房分配不公平', ['暗箱操作', '不公平']),
    reaction(hd, item, '2026-11-18', 'neg', '公租房摇号名单有问题，要求公开透明', ['有问题']),
    reaction(hd, item, '2026-11-18', 'neu', '请问公租房摇号什么时候公布下一批', []),
    reaction(hd, item, '2026-11-19', 'neu', '公租房摇号结果在哪里查询', [], 'wechat-oa'),
    reaction(hd, item, '2026-11-19', 'neu', '转发公租房摇号', []),
    reaction(hd, item, '2026-11-19', 'pos', '公租房摇号公开透明，点赞', ['点赞', '公开透明']),
    reaction(hd, item, '2026-11-20', 'neg', '<script>alert("xss")</script>公租房摇号黑幕', ['黑幕']),
    reaction(hd, item, '2026-11-20', 'neg', '公租房摇号暗箱操作，强烈要求复查', ['暗箱操作', '强烈要求']),
    reaction(hd, undefined, '2026-11-20', 'neg', '住建委电话一直打不通', ['打不通']),
    reaction(hd, item, '2026-11-20', 'pos', '公租房摇号现场直播，感谢', ['感谢'], 'miniprogram'),
    reaction('bj-chaoyang-zjw', w.chaoyangItem, '2026-11-20', 'neg', '朝阳拆迁补偿太低了', ['太低']),
  ];
  await reactionCollection(db).insertMany(rows);
  await opinionAlertCollection(db).insertOne({
    _id: `disclosure:${item}:2026-11-20T00:00:00.000Z`,
    scope: 'disclosure',
    agencyCode: hd,
    disclosureId: item,
    windowStart: new Date('2026-11-20T08:00:00+08:00'),
    windowEnd: new Date('2026-11-20T09:00:00+08:00'),
    volume: 4,
    negativeShare: 0.75,
    baseline: { volume: 1, negativeShare: 0.2, windows: 24 },
    reason: '负面占比 75%，为近期基线（20%）的 3.8 倍',
    status: 'open',
    openedAt: new Date('2026-11-20T09:00:00+08:00'),
  });
  const task = (id: string, agencyCode: string, disclosureId: string, level: 'major' | 'normal', openedAt: Date): ResponseTaskRecord => ({
    _id: id,
    agencyCode,
    disclosureId,
    level,
    owner: 'press-office',
    status: 'open',
    openedAt,
    dueAt: new Date(openedAt.getTime() + (level === 'major' ? 5 : 48) * HOUR),
    ...(level === 'major' ? { conferenceDueAt: new Date(openedAt.getTime() + 24 * HOUR) } : {}),
    events: [{ action: 'open', at: openedAt, by: 'system' }],
    version: 1,
  });
  await responseTaskCollection(db).insertMany([
    // Opened 7.5 h ago: the 5-hour clock ran out 2.5 h ago; the conference is 16.5 h away.
    task('alert:major-1', hd, item, 'major', new Date(NOW.getTime() - 7.5 * HOUR)),
    // Opened 18 h ago: 30 h left of 48.
    task('alert:normal-1', hd, item, 'normal', new Date(NOW.getTime() - 18 * HOUR)),
    task('alert:chaoyang-1', 'bj-chaoyang-zjw', w.chaoyangItem, 'normal', new Date(NOW.getTime() - HOUR)),
  ]);
}

/** The session cookie (name=value) from a login response. */
export function sessionOf(res: { headers: Record<string, unknown> }): string {
  const header = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const cookie = header.find((c) => c.startsWith('gk_press='));
  if (!cookie) throw new Error('no gk_press cookie set');
  return cookie.split(';')[0]!;
}

/** The CSRF token in a page's forms. */
export function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}
