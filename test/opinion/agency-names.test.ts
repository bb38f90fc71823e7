import { describe, expect, it } from 'vitest';
import { createAgency } from '../../core/agencies/agencies.ts';
import { reactionCollection } from '../../core/models/reaction.model.ts';
import { agencyNameForms } from '../../core/opinion/agency-names.ts';
import { keywordQuery, reactionKeywords } from '../../core/opinion/collect/reaction-list.ts';
import { connectTestDb } from '../helpers/db.ts';
import { reaction } from './opinion-fixtures.ts';

const db = await connectTestDb('agency_names');
const AT = new Date('2026-11-20T02:00:00Z');
const keywords = async (agencyCode: string) =>
  (await reactionKeywords(db, agencyCode, keywordQuery.parse({ top: 5 }))).keywords.map((k) => k.keyword);
async function comments(agencyCode: string, texts: string[]) {
  await reactionCollection(db).insertMany(texts.map((text) => reaction(agencyCode, AT, { text })));
}

describe('the segmenter learns the names of the agencies gongkai knows', () => {
  it('makes the short forms residents write from a registered name', () => {
    expect(agencyNameForms('北京市海淀区住房和城乡建设委员会')).toEqual(['北京市海淀区住房和城乡建设委员会', '海淀区住房和城乡建设委员会', '海淀区住建委', '海淀住建委']);
    expect(agencyNameForms('浙江省杭州市西湖区住房和城乡建设局')).toEqual(expect.arrayContaining(['西湖区住建局', '西湖住建局']));
    // No pair known for the tail: only the name, with and without its city.
    expect(agencyNameForms('北京市公共资源交易中心')).toEqual(['北京市公共资源交易中心', '公共资源交易中心']);
    // jieba's dictionary lines are `word freq`: a name with spaces or control characters is not taught.
    expect(agencyNameForms('某某 机关\n1000')).toEqual([]);
  });

  it('hot keywords name the agency whole (海淀住建委, not 海淀 and 建委), and an agency registered later from its next count', async () => {
    await createAgency(db, { code: 'bj-haidian-zjw', name: '北京市海淀区住房和城乡建设委员会' });
    await comments('bj-haidian-zjw', ['海淀住建委电话一直打不通', '海淀住建委什么时候公示第二批', '找海淀住建委问了三次', '摇号结果什么时候出']);
    const haidian = await keywords('bj-haidian-zjw');
    expect(haidian[0]).toBe('海淀住建委');
    for (const piece of ['海淀', '建委', '住建委']) expect(haidian).not.toContain(piece);

    await comments('bj-chaoyang-zjw', ['朝阳住建委电话打不通', '朝阳住建委怎么还不公示', '问朝阳住建委要个说法']);
    // Not registered yet: the name falls apart as jieba cuts it.
    expect(await keywords('bj-chaoyang-zjw')).not.toContain('朝阳住建委');
    await createAgency(db, { code: 'bj-chaoyang-zjw', name: '北京市朝阳区住房和城乡建设委员会' });
    expect((await keywords('bj-chaoyang-zjw'))[0]).toBe('朝阳住建委');
  });
});
