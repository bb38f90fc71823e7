import type { Connection } from 'mongoose';
import request from 'supertest';
import type { AppDeps } from '../../api/app.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testReadModel } from '../helpers/read-model.ts';
import { agencyWithKey, allocationContent, allocationResult, BASE_URL, testApp } from '../helpers/registry.ts';

/** A value that is withheld from the public: it must never appear on a page. */
export const SECRET = '内部评分细则SECRET-7f3a';
export const STRANGER_TITLE = '海淀区<script>alert("x")</script>共有产权房摇号结果公示';

export function blacklistItem(title = '某建筑公司列入失信黑名单的公告') {
  return {
    field: 'blacklist',
    itemType: 'misconduct',
    title,
    region: '110108',
    formedAt: '2026-11-10',
    basis: 'approve',
    content: {
      party: { name: '北京某某建筑工程有限公司', creditCode: '91110108MA01ABCD2X' },
      misconduct: '在政府投资项目招标投标中串通投标',
      authority: '北京市海淀区住房和城乡建设委员会',
      decision: { documentNumber: '海建罚〔2026〕12号', date: '2026-11-09', content: '列入黑名单，限制参与本区政府投资项目投标' },
      period: { from: '2026-11-10', to: '2027-11-09' },
    },
  };
}

/**
 * The real app with five public items of 海淀: a corrected allocation result whose `method` is
 * withheld, a withdrawn one, one titled by a stranger's markup, a blacklist entry and a 回应 to
 * the first.
 */
export async function siteWorld(label: string, options: { publicBaseUrl?: string; appDeps?: (db: Connection) => Partial<AppDeps> } = {}) {
  const db = await connectTestDb(label);
  const clock = { now: new Date('2026-11-20T10:00:00+08:00') };
  const { logger, lines } = captureLogs();
  const services = createServices(db, { readModel: testReadModel(), logger, now: () => clock.now });
  const app = testApp({ logger, db, services }, { publicBaseUrl: options.publicBaseUrl ?? BASE_URL, ...options.appDeps?.(db) });
  const http = () => request(app.callback());
  const haidian = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher', '北京市海淀区住房和城乡建设委员会');
  const ok = (res: request.Response, what: string) => {
    if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
    return res;
  };
  const publish = async (body: Record<string, unknown>) => {
    const id = ok(await http().post('/api/v1/disclosures').set(haidian.auth).send(body), 'create').body.id as string;
    ok(await http().post(`/api/v1/disclosures/${id}/publish`).set(haidian.auth), 'publish');
    return id;
  };
  const content = { ...allocationContent(['HD2026-0001', 'HD2026-0002']), method: SECRET };
  const attachments = [{ name: '分配结果名单.pdf', url: 'https://files.example.gov.cn/hd/2026-3.pdf', sha256: 'a'.repeat(64) }];
  const corrected = await publish(allocationResult({ content, attachments, withheld: [{ path: 'method', basis: 'commercial-secret' }] }));
  const correct = (note: string, title = '海淀区2026年第三批公共租赁住房分配结果公示（更正）') =>
    http().post(`/api/v1/disclosures/${corrected}/revisions`).set(haidian.auth).send({ title, note });
  ok(await correct('更正第二户的轮候序号'), 'correct');
  const withdrawn = await publish(allocationResult({ title: '海淀区2026年第二批公共租赁住房分配结果公示' }));
  ok(await http().post(`/api/v1/disclosures/${withdrawn}/withdraw`).set(haidian.auth).send({ reason: '发现名单录入错误，核实后重新公示' }), 'withdraw');
  const stranger = await publish(allocationResult({ title: STRANGER_TITLE }));
  const blacklisted = await publish(blacklistItem());
  const response = await publish({
    field: 'housing',
    itemType: 'response',
    title: '关于第三批公共租赁住房分配结果的回应',
    region: '110108',
    formedAt: '2026-11-19',
    basis: 'produce',
    content: { respondsTo: corrected, text: '摇号全程公证并直播，结果可在本页查询。', summary: '摇号全程公证' },
  });
  await services.publicCache.settled();
  return { db, app, http, clock, logs: lines, logger, services, haidian, publish, correct, ids: { corrected, withdrawn, stranger, blacklisted, response } };
}
