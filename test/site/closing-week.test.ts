import { describe, expect, it } from 'vitest';
import { closingContent } from '../read-model/closing-world.ts';
import { siteWorld } from './site-world.ts';

// The world's clock starts at 2026-11-20 10:00 China time, a Friday: the week is 11-20 to 11-26.
const w = await siteWorld('site_closing');
const item = (field: string, itemType: string, title: string, content: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  w.publish({ field, itemType, title, region: '110108', formedAt: '2026-11-19', basis: 'implement', content, ...extra });

const ids = {
  closedThisMorning: await item('bidding', 'tender-notice', '某路改造工程招标公告（今晨截止）', closingContent.tenderNotice('2026-11-20T09:30')),
  today: await item('procurement', 'procurement-notice', '办公设备采购公告（今天下午截止）', closingContent.procurementNotice('2026-11-20T17:00')),
  sunday: await item('bidding', 'candidates', '某路改造工程中标候选人公示', closingContent.candidates('2026-11-22', '2026-11-18')),
  lastDay: await item('housing', 'allocation-targets', '第三批公租房分配对象资格审核公示', {
    region: '海淀区',
    housingType: '公租房',
    criteria: { income: '家庭人均月收入低于3000元', housing: '本区无自有住房' },
    publicityPeriod: { from: '2026-11-20', to: '2026-11-26' },
  }),
  nextWeek: await item('mining', 'transfer-notice', '某矿采矿权出让公告', closingContent.miningNotice('2026-11-27')),
  withheld: await item('procurement', 'procurement-notice', '物业服务采购公告（截止时间不予公开）', closingContent.procurementNotice('2026-11-21T09:00'), {
    withheld: [{ path: 'deadline', basis: 'commercial-secret' }],
  }),
  withdrawn: await item('bidding', 'candidates', '另一工程中标候选人公示（已撤回）', closingContent.candidates('2026-11-21', '2026-11-18')),
};
await w.http().post(`/api/v1/disclosures/${ids.withdrawn}/withdraw`).set(w.haidian.auth).send({ reason: '评标委员会组成不合法，重新评标' }).expect(200);
await w.services.publicCache.settled();

/** The 本周截止 section's entries as [id, days-left text, label and date], in page order. */
function closingWeek(text: string): string[][] {
  const section = /<section aria-labelledby="closing"[^>]*>([\s\S]*?)<\/section>/.exec(text)?.[1];
  if (!section) throw new Error('no 本周截止 section');
  return [...section.matchAll(/<li><a class="title" href="\/disclosures\/([0-9a-f]{24})">[^<]*<\/a>\s*<p class="closes"><span class="days[^"]*">([^<]*)<\/span> ([^<]*)<time[^>]*>([^<]*)<\/time>/g)].map((m) => [
    m[1]!,
    m[2]!,
    `${m[3]}${m[4]}`,
  ]);
}

describe('本周截止 on the home page', () => {
  it('lists exactly the public deadlines from this hour to the end of the sixth day, soonest first, with the days left', async () => {
    const res = await w.http().get('/').expect(200);
    expect(closingWeek(res.text)).toEqual([
      [ids.today, '今天截止', '响应文件提交截止：11月20日（周五） 17:00'],
      [ids.sunday, '还剩2天', '公示期截止（异议截止）：11月22日（周日）'],
      [ids.lastDay, '还剩6天', '公示期截止：11月26日（周四）'],
    ]);
    expect(res.text).toContain('今天起 7 天内（11月20日至11月26日）');
    for (const id of [ids.closedThisMorning, ids.nextWeek, ids.withheld, ids.withdrawn]) {
      expect(/<section aria-labelledby="closing"[\s\S]*?<\/section>/.exec(res.text)![0]).not.toContain(id);
    }
  });

  it('is cached within the hour, and changes when the clock passes midnight China time without any public change', async () => {
    w.clock.now = new Date('2026-11-20T10:00:00+08:00');
    const before = await w.http().get('/').expect(200);
    w.clock.now = new Date('2026-11-20T10:50:00+08:00');
    expect((await w.http().get('/').set('If-None-Match', before.headers.etag!)).status).toBe(304);

    w.clock.now = new Date('2026-11-21T00:05:00+08:00');
    const after = await w.http().get('/').set('If-None-Match', before.headers.etag!);
    expect(after.status).toBe(200);
    expect(closingWeek(after.text)).toEqual([
      [ids.sunday, '还剩1天', '公示期截止（异议截止）：11月22日（周日）'],
      [ids.lastDay, '还剩5天', '公示期截止：11月26日（周四）'],
      [ids.nextWeek, '还剩6天', '报名或公示期截止：11月27日（周五）'],
    ]);

    w.clock.now = new Date('2026-11-28T09:00:00+08:00');
    const empty = await w.http().get('/').expect(200);
    expect(closingWeek(empty.text)).toEqual([]);
    expect(empty.text).toContain('未来 7 天内没有截止的公示期、报名期或递交期限。');
    w.clock.now = new Date('2026-11-20T10:00:00+08:00');
  });
});

describe('the closing date on a disclosure page', () => {
  it('is shown near the top while ahead, from the public content only', async () => {
    w.clock.now = new Date('2026-11-20T10:00:00+08:00');
    const page = await w.http().get(`/disclosures/${ids.today}`).expect(200);
    expect(page.text).toMatch(/<p class="closes detail"><strong>响应文件提交截止：<time datetime="2026-11-20T17:00:00\+08:00">2026年11月20日（周五） 17:00<\/time><\/strong><\/p>/);
    expect(page.text.indexOf('class="closes detail"')).toBeLessThan(page.text.indexOf('<caption>基本信息</caption>'));
    const withheld = await w.http().get(`/disclosures/${ids.withheld}`).expect(200);
    expect(withheld.text).not.toContain('class="closes detail"');
    expect(withheld.text).not.toContain('2026-11-21T09:00');
    expect((await w.http().get(`/disclosures/${ids.withdrawn}`).expect(200)).text).not.toContain('class="closes detail"');
  });

  it('is never answered by the front cache while it shows a closing ahead; a page without one is', async () => {
    w.clock.now = new Date('2026-11-20T10:00:00+08:00');
    const front = w.app.front!;
    const twice = async (id: string) => {
      await w.http().get(`/disclosures/${id}`).set('Accept-Encoding', 'identity').expect(200);
      const before = front.served;
      await w.http().get(`/disclosures/${id}`).set('Accept-Encoding', 'identity').expect(200);
      return front.served - before;
    };
    expect(await twice(ids.sunday)).toBe(0);
    expect(await twice(ids.withheld)).toBe(1);
    expect(await twice(ids.closedThisMorning)).toBe(1); // closed before it was first rendered
  });

  it('goes once the moment has passed, though nothing public changed', async () => {
    w.clock.now = new Date('2026-11-20T16:59:00+08:00');
    expect((await w.http().get(`/disclosures/${ids.today}`).expect(200)).text).toContain('响应文件提交截止：');
    w.clock.now = new Date('2026-11-20T17:00:00+08:00');
    const closed = await w.http().get(`/disclosures/${ids.today}`).expect(200);
    expect(closed.text).not.toContain('class="closes detail"');
    expect(closed.text).toContain('<h1>办公设备采购公告（今天下午截止）');
    w.clock.now = new Date('2026-11-20T10:00:00+08:00');
  });
});
