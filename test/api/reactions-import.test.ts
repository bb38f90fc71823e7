import { describe, expect, it } from 'vitest';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { agencyWithKey, allocationResult, registryApp } from '../helpers/registry.ts';

const { db, http } = await registryApp('reactions-import', { now: new Date('2026-10-09T10:00:00+08:00') });
const haidian = await agencyWithKey(db, 'bj-haidian-zjw');
const haidianPress = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const chaoyang = await agencyWithKey(db, 'bj-chaoyang-zjw');
const chaoyangPress = await agencyWithKey(db, 'bj-chaoyang-zjw', 'press');

async function draft(auth: Record<string, string>) {
  const res = await http().post('/api/v1/disclosures').set(auth).send(allocationResult());
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}
const ours = await draft(haidian.auth);
const theirs = await draft(chaoyang.auth);

const csvPost = (body: string | Buffer, auth = haidianPress.auth, type = 'text/csv; charset=utf-8') =>
  http().post('/api/v1/reactions/import').set(auth).set('Content-Type', type).send(body);

describe('who may import and read', () => {
  it('answers 401 without a key and 403 for a publisher key, on every endpoint', async () => {
    const calls = [
      (a: Record<string, string>) => http().post('/api/v1/reactions').set(a).send({ items: [{ text: '好', at: '2026-10-01' }] }),
      (a: Record<string, string>) => http().post('/api/v1/reactions/import').set(a).set('Content-Type', 'text/csv').send('text,at\n好,2026-10-01\n'),
      (a: Record<string, string>) => http().get('/api/v1/reactions').set(a),
      (a: Record<string, string>) => http().get('/api/v1/opinion/keywords').set(a),
    ];
    for (const call of calls) {
      expect((await call({})).status).toBe(401);
      expect((await call(haidian.auth)).status).toBe(403);
    }
    expect(await reactionCollection(db).countDocuments()).toBe(0);
  });
});

describe('JSON import', () => {
  const items = [
    { text: '媒体报道：永丰家园配租结果公示后群众反映良好', author: '北京日报', url: 'https://news.example.cn/a/1', at: '2026-10-08 21:15', disclosureId: ours },
    { text: '论坛网友质疑摇号过程不透明，暗箱操作', at: '2026-10-08T16:30:00Z' },
  ];

  it('stores the items for the key’s agency, scored, and a re-import stores nothing twice', async () => {
    const res = await http().post('/api/v1/reactions').set(haidianPress.auth).send({ items });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ inserted: 2, duplicates: 0 });
    const stored = await reactionCollection(db).find({ source: 'manual' }).sort({ at: 1 }).toArray();
    expect(stored[0]).toMatchObject({ agencyCode: 'bj-haidian-zjw', disclosureId: ours, author: '北京日报', url: 'https://news.example.cn/a/1', day: '2026-10-08' });
    expect(stored[0]!.at).toEqual(new Date('2026-10-08T21:15:00+08:00'));
    // 16:30 UTC is already the 9th in Beijing.
    expect(stored[1]).toMatchObject({ author: '未署名', day: '2026-10-09' });
    expect(stored[1]!.sentiment.label).toBe('neg');
    expect(stored[1]!.externalId).toMatch(/^h[0-9a-f]{32}$/);

    const again = await http().post('/api/v1/reactions').set(haidianPress.auth).send({ items });
    expect(again.body).toEqual({ inserted: 0, duplicates: 2 });
    expect(await reactionCollection(db).countDocuments({ source: 'manual' })).toBe(2);
  });

  it('refuses another agency’s disclosure with 403 and stores nothing of the request', async () => {
    const res = await http()
      .post('/api/v1/reactions')
      .set(haidianPress.auth)
      .send({ items: [{ text: '新的一条', at: '2026-10-08', externalId: 'x-1' }, { text: '别处的', at: '2026-10-08', disclosureId: theirs }] });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('items.1.disclosureId');
    expect(await reactionCollection(db).countDocuments({ externalId: 'x-1' })).toBe(0);
  });

  it('names the bad fields with 400: a missing text, an unreadable or future time, an unknown disclosure, too many items', async () => {
    const bad = await http()
      .post('/api/v1/reactions')
      .set(haidianPress.auth)
      .send({ items: [{ at: '2026-10-08' }, { text: '时间不对', at: '昨天' }, { text: '$where', at: '2026-10-08', extra: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: { path: string }) => f.path).sort()).toEqual(['items.0.text', 'items.1.at', 'items.2.extra']);

    const later = await http()
      .post('/api/v1/reactions')
      .set(haidianPress.auth)
      .send({ items: [{ text: '未来', at: '2027-10-08' }, { text: '无此事项', at: '2026-10-08', disclosureId: 'a'.repeat(24) }] });
    expect(later.status).toBe(400);
    expect(later.body.error.fields).toEqual([
      { path: 'items.0.at', message: '发表时间晚于当前时间' },
      { path: 'items.1.disclosureId', message: '没有这个公开事项' },
    ]);

    const many = await http().post('/api/v1/reactions').set(haidianPress.auth).send({ items: Array.from({ length: 501 }, (_, i) => ({ text: `第${i}条`, at: '2026-10-08' })) });
    expect(many.status).toBe(400);
    expect(many.body.error.fields[0].path).toBe('items');
    expect(await reactionCollection(db).countDocuments({ source: 'manual' })).toBe(2);
  });
});

describe('CSV import', () => {
  const csv = [
    '\uFEFFtext,author,url,at,disclosure_id',
    `公示信息很及时，点赞,人民网,https://example.cn/1,2026-10-08 09:00,${ours}`,
    '"多行的评论，',
    '第二行，还有逗号",,,2026-10-08T10:00:00+08:00,',
    ',无正文,,2026-10-08,',
    '时间写错了,,,2026/10/08,',
    `别的机关的事项,,,2026-10-08,${theirs}`,
    '列数不对,2026-10-08',
    '',
    '最后一条有效,,,2026-10-07,',
  ].join('\r\n');

  it('stores the good rows, reports each bad one by line and column, and re-imports idempotently', async () => {
    const res = await csvPost(csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      inserted: 3,
      duplicates: 0,
      errors: [
        { line: 5, field: 'text', message: '不能为空' },
        { line: 6, field: 'at', message: expect.stringContaining('时间格式') },
        { line: 7, field: 'disclosure_id', message: '该公开事项属于其他机关' },
        { line: 8, field: '(row)', message: '列数与表头不一致' },
      ],
    });
    const texts = (await reactionCollection(db).find({ source: 'manual', day: { $in: ['2026-10-07', '2026-10-08'] } }).toArray()).map((r) => r.text);
    expect(texts).toEqual(expect.arrayContaining(['公示信息很及时，点赞', '多行的评论，\n第二行，还有逗号', '最后一条有效']));
    expect(await reactionCollection(db).findOne({ text: '公示信息很及时，点赞' })).toMatchObject({ author: '人民网', disclosureId: ours, url: 'https://example.cn/1' });

    const again = await csvPost(csv);
    expect(again.body).toMatchObject({ inserted: 0, duplicates: 3 });
    expect(again.body.errors).toHaveLength(4);
  });

  it('needs the header, UTF-8, text/csv and at most 2 MB', async () => {
    const noHeader = await csvPost('公示很好,,,2026-10-08,\n');
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.error.fields.map((f: { path: string }) => f.path)).toContain('text');
    expect((await csvPost('')).status).toBe(400);

    const json = await http().post('/api/v1/reactions/import').set(haidianPress.auth).send({ text: 'x' });
    expect(json.status).toBe(415);

    // 公示 in GBK, as Excel's plain "CSV" writes it on Chinese Windows.
    const gbk = Buffer.concat([Buffer.from('text,at\n'), Buffer.from([0xb9, 0xab, 0xca, 0xbe]), Buffer.from(',2026-10-08\n')]);
    const notUtf8 = await csvPost(gbk);
    expect(notUtf8.status).toBe(415);
    expect(notUtf8.body.error.message).toContain('UTF-8');

    const huge = await csvPost(`text,at\n${'长'.repeat(700_000)},2026-10-08\n`);
    expect(huge.status).toBe(413);
  });
});

describe('reading reactions', () => {
  it('lists only the key’s agency, filtered and paged with a cursor', async () => {
    await http().post('/api/v1/reactions').set(chaoyangPress.auth).send({ items: [{ text: '朝阳区的反映', at: '2026-10-08' }] });

    const all = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ limit: 2 });
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    const rest = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ limit: 200, cursor: all.body.nextCursor });
    const everything = [...all.body.items, ...rest.body.items];
    expect(everything).toHaveLength(await reactionCollection(db).countDocuments({ agencyCode: 'bj-haidian-zjw' }));
    expect(new Set(everything.map((r: { id: string }) => r.id)).size).toBe(everything.length);
    expect(everything.every((r: { agencyCode: string }) => r.agencyCode === 'bj-haidian-zjw')).toBe(true);

    const negative = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ label: 'neg', source: 'manual' });
    expect(negative.body.items.map((r: { text: string }) => r.text)).toContain('论坛网友质疑摇号过程不透明，暗箱操作');
    expect(negative.body.items.every((r: { sentiment: { label: string } }) => r.sentiment.label === 'neg')).toBe(true);

    const ofDisclosure = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ disclosureId: ours, day: '2026-10-08' });
    expect(ofDisclosure.body.items.map((r: { text: string }) => r.text).sort()).toEqual(['公示信息很及时，点赞', '媒体报道：永丰家园配租结果公示后群众反映良好'].sort());

    const chaoyangView = await http().get('/api/v1/reactions').set(chaoyangPress.auth);
    expect(chaoyangView.body.items.map((r: { text: string }) => r.text)).toEqual(['朝阳区的反映']);

    expect((await http().get('/api/v1/reactions').set(haidianPress.auth).query({ label: 'angry' })).status).toBe(400);
    expect((await http().get('/api/v1/reactions').set(haidianPress.auth).query({ cursor: 'bm9wZQ' })).status).toBe(400);
  });

  it('stores a confidence with each label and filters the uncertain ones', async () => {
    const all = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ limit: 200 });
    const confidences = all.body.items.map((r: { sentiment: { confidence: number } }) => r.sentiment.confidence);
    expect(confidences.every((c: number) => c >= 0 && c <= 1)).toBe(true);
    const uncertain = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ uncertain: 'true', limit: 200 });
    const sure = await http().get('/api/v1/reactions').set(haidianPress.auth).query({ uncertain: 'false', limit: 200 });
    expect(uncertain.status).toBe(200);
    expect(uncertain.body.items.every((r: { sentiment: { confidence: number } }) => r.sentiment.confidence < 0.6)).toBe(true);
    expect(sure.body.items.every((r: { sentiment: { confidence: number } }) => r.sentiment.confidence >= 0.6)).toBe(true);
    expect(uncertain.body.items.length + sure.body.items.length).toBe(all.body.items.length);
    expect((await http().get('/api/v1/reactions').set(haidianPress.auth).query({ uncertain: 'maybe' })).status).toBe(400);
  });

  it('gives the hot keywords of the agency’s reactions', async () => {
    const res = await http().get('/api/v1/opinion/keywords').set(haidianPress.auth).query({ day: '2026-10-08', top: 5 });
    expect(res.status).toBe(200);
    expect(res.body.basedOn).toBeGreaterThan(0);
    expect(res.body.keywords.length).toBeGreaterThan(0);
    expect(res.body.keywords.map((k: { keyword: string }) => k.keyword)).not.toContain('朝阳区');
    const none = await http().get('/api/v1/opinion/keywords').set(chaoyangPress.auth).query({ disclosureId: ours });
    expect(none.body).toEqual({ keywords: [], basedOn: 0 });
  });
});
