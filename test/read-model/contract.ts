import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { listQuery } from '../../core/disclosures/list.ts';
import { verifyReadModel } from '../../core/read-model/rebuild.ts';
import { rebuildReadModel } from '../../core/read-model/rebuild.ts';
import type { PublicPage, ReadModel } from '../../core/read-model/types.ts';
import { createAgency } from '../../core/agencies/agencies.ts';
import type { Principal } from '../../core/agencies/api-keys.ts';
import { createDisclosure } from '../../core/disclosures/create.ts';
import { createDisclosureInput } from '../../core/disclosures/input.ts';
import { publishDisclosure } from '../../core/disclosures/transitions.ts';
import { createServices } from '../../core/services.ts';
import { allocationResult } from '../helpers/registry.ts';
import { buildClosingWorld, type ClosingIds } from './closing-world.ts';
import { CY, DRAFT_MARKER, HD, PD, WITHHELD_MARKER, buildWorld, type World } from './world.ts';

/**
 * The read model's contract: both implementations (SQLite, MongoDB) must give these answers for
 * the same disclosures. Each implementation's test file calls this with its own factory.
 */
export interface ContractSubject {
  db: Connection;
  readModel: ReadModel;
  leaks: () => Promise<string>;
  /** Another read model over the same data whose search facets count only the newest `facetSample` matches. */
  sampled: (facetSample: number) => Promise<ReadModel>;
}

export function readModelContract(name: string, setup: () => Promise<ContractSubject>) {
  describe(`read model contract: ${name}`, () => {
    let world: World;
    let db: Connection;
    let leaks: () => Promise<string>;
    let sampled: ContractSubject['sampled'];
    const list = (query: Record<string, unknown> = {}): Promise<PublicPage> => world.readModel.listPublic(listQuery.parse(query));
    const ids = async (query: Record<string, unknown> = {}) => (await list({ limit: 100, ...query })).items.map((i) => i.id);

    beforeAll(async () => {
      const made = await setup();
      db = made.db;
      leaks = made.leaks;
      sampled = made.sampled;
      world = await buildWorld(db, made.readModel);
    }, 60_000);

    it('lists what is public, newest first publication first, never a draft or an item in review', async () => {
      const { ids: w } = world;
      expect(await ids()).toEqual([w.hdResponse, w.cyBlacklist, w.pdWithdrawn, w.pdLand, w.cyLottery, w.hdBudget, w.hdHousing]);
      const first = (await list({ limit: 1 })).items[0]!;
      expect(first).toMatchObject({ id: w.hdResponse, status: 'published', agency: { code: HD.code, name: HD.name }, fieldName: '住房保障', itemTypeName: '回应' });
    });

    it('filters by field, item type, region prefix, agency, project code and publication days', async () => {
      const { ids: w } = world;
      expect(await ids({ field: 'housing' })).toEqual([w.hdResponse, w.pdWithdrawn, w.cyLottery, w.hdHousing]);
      expect(await ids({ field: 'housing', itemType: 'allocation-result' })).toEqual([w.pdWithdrawn, w.cyLottery, w.hdHousing]);
      expect(await ids({ region: '110000' })).toEqual([w.hdResponse, w.cyBlacklist, w.cyLottery, w.hdBudget, w.hdHousing]);
      expect(await ids({ region: '110100' })).toEqual(await ids({ region: '110000' }));
      expect(await ids({ region: '110105' })).toEqual([w.cyBlacklist, w.cyLottery]);
      expect(await ids({ region: '320000' })).toEqual([]);
      expect(await ids({ agency: PD.code })).toEqual([w.pdWithdrawn, w.pdLand]);
      expect(await ids({ projectCode: 'CY-P-0001' })).toEqual([w.cyBlacklist]);
      expect(await ids({ from: '2026-05-01', to: '2026-06-01' })).toEqual([w.pdLand, w.cyLottery]);
      expect(await ids({ to: '2025-12-31' })).toEqual([w.hdHousing]);
      expect(await ids({ field: 'housing', region: '110000', from: '2026-01-01' })).toEqual([w.hdResponse, w.cyLottery]);
    });

    it('pages with cursors through every item once, in order', async () => {
      const all = await ids();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await list({ limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(all);
      await expect(list({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ status: 400, fields: [{ path: 'cursor' }] });
    });

    it('searches every word of q among public tokens only: not withdrawn items, drafts or withheld values', async () => {
      const { ids: w } = world;
      expect(await ids({ q: '共有产权房' })).toEqual([w.cyLottery]);
      expect(await ids({ q: '摇号' })).toEqual([w.cyLottery, w.hdHousing]); // the title, and a 公开摇号 in the content
      expect(await ids({ q: '公共租赁' })).toEqual([w.hdHousing]);
      expect(await ids({ q: '公共租赁住房' })).toEqual([w.hdResponse, w.hdHousing]); // the synonym of 公租房
      expect(await ids({ q: '海淀 物业' })).toEqual([w.hdBudget]);
      expect(await ids({ q: '海淀', field: 'housing' })).toEqual([w.hdResponse, w.hdHousing]);
      expect(await ids({ q: 'CY2026-0010' })).toEqual([w.cyLottery]); // only the correction names it
      expect(await ids({ q: '人才公寓' })).toEqual([]); // withdrawn: it left search
      expect(await ids({ q: DRAFT_MARKER })).toEqual([]);
      expect(await ids({ q: WITHHELD_MARKER })).toEqual([]);
    });

    it('marks the matched words in an HTML-escaped snippet', async () => {
      const [hit] = (await list({ q: '摇号', agency: CY.code })).items;
      expect(hit!.snippet).toBe('朝阳区共有产权房<mark>摇号</mark>结果&lt;公告&gt;&amp;说明');
      const [content] = (await list({ q: '串通投标' })).items;
      expect(content!.snippet).toContain('<mark>串通投标</mark>');
      expect((await list({})).items.every((i) => i.snippet === undefined)).toBe(true);
    });

    it('ranks by relevance over the same items, and pages through them', async () => {
      const byDate = await ids({ q: '住房' });
      expect(byDate.length).toBeGreaterThan(2);
      const ranked = await ids({ q: '住房', sort: 'relevance' });
      expect([...ranked].sort()).toEqual([...byDate].sort());
      const first = await list({ q: '住房', sort: 'relevance', limit: 2 });
      const rest = await list({ q: '住房', sort: 'relevance', limit: 100, cursor: first.nextCursor! });
      expect([...first.items, ...rest.items].map((i) => i.id)).toEqual(ranked);
    });

    it('counts the filtered items per field, item type, region, agency and year', async () => {
      const all = (await list({ facets: 'true' })).facets!;
      expect(all.total).toBe(7);
      expect(all.field).toEqual([
        { value: 'housing', count: 4 },
        { value: 'blacklist', count: 1 },
        { value: 'land', count: 1 },
        { value: 'procurement', count: 1 },
      ]);
      expect(all.region).toEqual([{ value: '110000', count: 5 }, { value: '310000', count: 2 }]);
      expect(all.year).toEqual([{ value: '2026', count: 6 }, { value: '2025', count: 1 }]);
      expect(all.agency).toEqual([{ value: HD.code, count: 3 }, { value: CY.code, count: 2 }, { value: PD.code, count: 2 }]);
      const beijing = (await list({ facets: 'true', region: '110000', field: 'housing' })).facets!;
      expect(beijing.total).toBe(3);
      expect(beijing.region).toEqual([{ value: '110100', count: 3 }]);
      expect(beijing.itemType).toEqual([{ value: 'allocation-result', count: 2 }, { value: 'response', count: 1 }]);
      const searched = (await list({ facets: 'true', q: '海淀' })).facets!;
      expect(searched.total).toBe(3);
      expect(searched.field).toEqual([{ value: 'housing', count: 2 }, { value: 'procurement', count: 1 }]);
      const dated = (await list({ facets: 'true', from: '2026-05-01', to: '2026-06-30' })).facets!;
      expect(dated.total).toBe(2);
      expect([all, beijing, searched, dated].every((f) => f.exhaustive)).toBe(true);
      const datedSearch = (await list({ facets: 'true', q: '海淀', from: '2026-01-01', to: '2026-12-31', region: '110100' })).facets!;
      expect(datedSearch.total).toBe((await ids({ q: '海淀', from: '2026-01-01', to: '2026-12-31', region: '110100' })).length);
    });

    it("counts a search's facets over its newest matches past the sample bound, and says so", async () => {
      const { ids: w } = world;
      const model = await sampled(2);
      const newest = (await ids({ q: '海淀' })).slice(0, 2);
      const facets = (await model.listPublic(listQuery.parse({ facets: 'true', q: '海淀' }))).facets!;
      expect(facets).toMatchObject({ total: 3, exhaustive: false });
      const byField = new Map<string, number>();
      for (const item of (await list({ q: '海淀', limit: 100 })).items.filter((i) => newest.includes(i.id))) byField.set(String(item.field), (byField.get(String(item.field)) ?? 0) + 1);
      expect(facets.field).toEqual([...byField].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)));
      // Without a search word, and with fewer matches than the bound, every item is counted.
      expect((await model.listPublic(listQuery.parse({ facets: 'true' }))).facets).toMatchObject({ total: 7, exhaustive: true });
      expect((await model.listPublic(listQuery.parse({ facets: 'true', q: '海淀', field: 'procurement' }))).facets).toMatchObject({ total: 1, exhaustive: true });
      expect(newest).not.toContain(w.hdHousing);
    });

    it('lists recent public changes for feeds, newest change first', async () => {
      const { ids: w } = world;
      expect(await world.readModel.recentlyChanged({}, 3)).toEqual([w.hdResponse, w.cyBlacklist, w.pdWithdrawn]);
      expect(await world.readModel.recentlyChanged({ agency: CY.code }, 10)).toEqual([w.cyBlacklist, w.cyLottery]);
      expect(await world.readModel.recentlyChanged({ agency: CY.code }, 10, new Date('2026-07-01T00:00:00+08:00'))).toEqual([w.cyBlacklist]);
    });

    it('pages every public item for the sitemap, oldest first publication first, with its last public change', async () => {
      const { ids: w } = world;
      const all = await world.readModel.publicSitemap(0, 100);
      expect(all.map((e) => e.id)).toEqual([...(await ids())].reverse());
      expect(all.every((e) => e.changedAt instanceof Date && !Number.isNaN(e.changedAt.getTime()))).toBe(true);
      expect((await world.readModel.publicSitemap(2, 2)).map((e) => e.id)).toEqual([w.cyLottery, w.pdLand]);
      expect(await world.readModel.publicSitemap(100, 10)).toEqual([]);
    });

    it('gives an agency its own items, drafts and items in review included, last changed first, paged', async () => {
      const { ids: w } = world;
      const hd = await world.readModel.listAgency(HD.code, { limit: 50 });
      expect(hd.items.map((i) => i.id)).toEqual([w.hdDraft, w.hdResponse, w.hdBudget, w.hdHousing]);
      expect(hd.items[0]).toMatchObject({ status: 'draft', title: `海淀区${DRAFT_MARKER}分配结果`, fieldName: '住房保障', revision: 1 });
      expect(JSON.stringify(hd.items)).not.toContain('content');
      const cy = await world.readModel.listAgency(CY.code, { limit: 1 });
      expect(cy.items[0]).toMatchObject({ id: w.hdReview, status: 'draft', review: { state: 'pending' } });
      const next = await world.readModel.listAgency(CY.code, { limit: 5, cursor: cy.nextCursor! });
      expect(next.items.map((i) => i.id)).toEqual([w.cyBlacklist, w.cyLottery]);
      expect((await world.readModel.listAgency(PD.code, { limit: 5, status: 'withdrawn' })).items.map((i) => i.id)).toEqual([w.pdWithdrawn]);
      expect(await world.readModel.pendingReviews(CY.code, 10)).toEqual([w.hdReview]);
      expect(await world.readModel.pendingReviews(HD.code, 10)).toEqual([]);
    });

    it('filters an agency’s own items by field, item type, 到期日 range and overdue, paging within the filter', async () => {
      const { ids: w } = world;
      const listed = async (query: Omit<Parameters<ReadModel['listAgency']>[1], 'limit'> & { limit?: number }) =>
        (await world.readModel.listAgency(HD.code, { limit: 50, ...query })).items.map((i) => i.id);
      const all = (await world.readModel.listAgency(HD.code, { limit: 50 })).items;
      expect(await listed({ field: 'housing' })).toEqual([w.hdDraft, w.hdResponse, w.hdHousing]);
      expect(await listed({ field: 'procurement' })).toEqual([w.hdBudget]);
      expect(await listed({ itemType: 'allocation-result' })).toEqual([w.hdDraft, w.hdHousing]);
      expect(await listed({ field: 'housing', itemType: 'response' })).toEqual([w.hdResponse]);
      expect(await listed({ field: 'housing', status: 'draft' })).toEqual([w.hdDraft]);
      expect(await listed({ field: 'land' })).toEqual([]);
      // The 到期日 range is inclusive at both ends, in China days.
      const draftDue = all.find((i) => i.id === w.hdDraft)!.dueOn;
      expect(await listed({ dueFrom: draftDue, dueTo: draftDue })).toEqual([w.hdDraft]);
      expect(await listed({ dueFrom: draftDue })).toEqual([w.hdDraft]);
      const housingDue = all.find((i) => i.id === w.hdHousing)!.dueOn;
      expect(await listed({ dueTo: housingDue })).toEqual([w.hdHousing]);
      expect(await listed({ dueFrom: '2026-01-01', dueTo: '2026-10-31' })).toEqual([w.hdResponse, w.hdBudget]);
      // Overdue: the draft once its 到期日 has passed (not before), and whatever was published late.
      // (This world publishes nothing late: the describe below covers 逾期公开.)
      const late = all.filter((i) => i.onTime === false).map((i) => i.id);
      const dueEnd = new Date(all.find((i) => i.id === w.hdDraft)!.dueAt);
      expect(await listed({ overdueAt: new Date(dueEnd.getTime() + 1) })).toEqual(all.filter((i) => i.id === w.hdDraft || late.includes(i.id)).map((i) => i.id));
      expect(await listed({ overdueAt: dueEnd })).toEqual(all.filter((i) => late.includes(i.id)).map((i) => i.id));
      expect(await listed({ overdueAt: new Date(dueEnd.getTime() + 1), field: 'procurement' })).toEqual([]);
      // A cursor walks the filtered list only.
      const first = await world.readModel.listAgency(HD.code, { limit: 1, field: 'housing' });
      expect(first.items.map((i) => i.id)).toEqual([w.hdDraft]);
      const rest = await world.readModel.listAgency(HD.code, { limit: 5, field: 'housing', cursor: first.nextCursor! });
      expect(rest.items.map((i) => i.id)).toEqual([w.hdResponse, w.hdHousing]);
      expect(rest.nextCursor).toBeNull();
      // Another agency's items never match.
      expect((await world.readModel.listAgency(CY.code, { limit: 50, field: 'housing' })).items.map((i) => i.id)).toEqual([w.cyLottery]);
    });

    it('lists drafts due before a horizon, soonest first', async () => {
      const pending = await world.readModel.pendingCompliance(HD.code, new Date('2027-01-01T00:00:00+08:00'), 10);
      expect(pending.map((p) => p.id)).toEqual([world.ids.hdDraft]);
      expect(pending[0]!.dueAt).toBeInstanceOf(Date);
      expect(await world.readModel.pendingCompliance(HD.code, new Date('2026-11-01T00:00:00+08:00'), 10)).toEqual([]);
    });

    it('counts a year’s publications, corrections and withdrawals per agency and field', async () => {
      const rows = await world.readModel.annualReport(new Date('2026-01-01T00:00:00+08:00'), new Date('2027-01-01T00:00:00+08:00'));
      const simple = rows
        .map(({ agencyCode, field, published, corrected, withdrawn, days }) => ({ agencyCode, field, published, corrected, withdrawn, days: days.length }))
        .sort((a, b) => `${a.agencyCode}${a.field}`.localeCompare(`${b.agencyCode}${b.field}`));
      expect(simple).toEqual([
        { agencyCode: CY.code, field: 'blacklist', published: 1, corrected: 0, withdrawn: 0, days: 1 },
        { agencyCode: CY.code, field: 'housing', published: 1, corrected: 1, withdrawn: 0, days: 1 },
        { agencyCode: HD.code, field: 'housing', published: 1, corrected: 0, withdrawn: 0, days: 1 },
        { agencyCode: HD.code, field: 'procurement', published: 1, corrected: 0, withdrawn: 0, days: 1 },
        { agencyCode: PD.code, field: 'housing', published: 1, corrected: 0, withdrawn: 1, days: 1 },
        { agencyCode: PD.code, field: 'land', published: 1, corrected: 0, withdrawn: 0, days: 1 },
      ]);
      const hd2025 = await world.readModel.annualReport(new Date('2025-01-01T00:00:00+08:00'), new Date('2026-01-01T00:00:00+08:00'), HD.code);
      expect(hd2025).toEqual([expect.objectContaining({ agencyCode: HD.code, agencyName: HD.name, field: 'housing', published: 1, onTime: 1, late: 0, days: [25] })]);
    });

    it('finds the public item a text names, and the 回应 items answering one', async () => {
      const { ids: w } = world;
      expect(await world.readModel.namedIn(CY.code, { ids: [], codes: ['CY2026-0009'] })).toBe(w.cyLottery);
      expect(await world.readModel.namedIn(HD.code, { ids: [], codes: ['CY2026-0009'] })).toBeUndefined();
      expect(await world.readModel.namedIn(CY.code, { ids: [], codes: ['CY-P-0001'] })).toBe(w.cyBlacklist);
      expect(await world.readModel.namedIn(HD.code, { ids: [w.hdBudget], codes: [] })).toBe(w.hdBudget);
      expect(await world.readModel.namedIn(HD.code, { ids: [], codes: ['HD2026-0999'] })).toBeUndefined(); // a draft
      expect(await world.readModel.responsesTo(HD.code, w.hdHousing, 10)).toEqual([w.hdResponse]);
      expect(await world.readModel.responsesTo(CY.code, w.hdHousing, 10)).toEqual([]);
    });

    it('holds no withheld value and no draft text in its public part', async () => {
      const stored = await leaks();
      expect(stored).not.toContain(WITHHELD_MARKER);
      expect(stored).toContain('人才公寓'); // the same row's public title is there
    });

    it('applies each version once: an older copy never replaces a newer row', async () => {
      const doc = (await world.services.store.get(world.ids.cyLottery))!;
      expect(await world.readModel.apply([doc])).toBe(0);
      expect(await world.readModel.apply([{ ...doc, version: doc.version - 1, title: '旧的标题' }])).toBe(0);
      expect((await list({ q: '共有产权房' })).items[0]!.title).toBe(doc.title);
    });

    it('agrees with MongoDB, and comes back whole from a rebuild', async () => {
      const before = await verifyReadModel(world.services.store, world.readModel);
      expect(before).toMatchObject({ disclosures: 9, rows: 9, missing: [], stale: [], differing: [], extra: [] });
      const answers = [await ids(), await ids({ q: '海淀' }), (await list({ facets: 'true' })).facets];
      await world.readModel.reset();
      expect(await world.readModel.isBuilt()).toBe(false);
      expect((await verifyReadModel(world.services.store, world.readModel)).missing).toHaveLength(9);
      await rebuildReadModel(world.services.store, world.readModel);
      expect(await world.readModel.isBuilt()).toBe(true);
      expect([await ids(), await ids({ q: '海淀' }), (await list({ facets: 'true' })).facets]).toEqual(answers);
      expect((await verifyReadModel(world.services.store, world.readModel)).missing).toEqual([]);
    });
  });

  describe(`read model contract: ${name}: closing dates`, () => {
    let readModel: ReadModel;
    let c: ClosingIds;
    const china = (iso: string) => new Date(`${iso}+08:00`);
    const weekFrom = china('2026-12-04T00:00:00');
    const weekTo = china('2026-12-11T00:00:00');
    const closing = async (filter: Parameters<ReadModel['closingBetween']>[0], from = weekFrom, to = weekTo, limit = 50) =>
      (await readModel.closingBetween(filter, from, to, limit)).map((i) => i.item.id);

    beforeAll(async () => {
      const made = await setup();
      readModel = made.readModel;
      c = await buildClosingWorld(made.db, readModel);
    }, 60_000);

    it('lists public items closing in [from, to), soonest first, with the label and the moment', async () => {
      const week = await readModel.closingBetween({}, weekFrom, weekTo, 50);
      expect(week.map((i) => i.item.id)).toEqual([c.hdTender, c.pdDeal, c.hdCorrected]);
      expect(week.map((i) => [i.label, i.closesAt.toISOString()])).toEqual([
        ['投标文件递交截止', '2026-12-05T01:30:00.000Z'],
        ['公示期截止', '2026-12-07T15:59:59.999Z'], // the end of the day in China
        ['响应文件提交截止', '2026-12-10T06:00:00.000Z'], // the corrected deadline, not the first one
      ]);
      expect(week[0]!.item).toMatchObject({ id: c.hdTender, title: '海淀区某路改造工程招标公告', fieldName: '工程建设项目招标投标', agency: { code: HD.code } });
      expect(await closing({}, weekFrom, weekTo, 1)).toEqual([c.hdTender]);
      // The range is half-open: an item closing exactly at `to` belongs to the next range.
      const dealCloses = week[1]!.closesAt;
      expect(await closing({}, dealCloses, weekTo)).toEqual([c.pdDeal, c.hdCorrected]);
      expect(await closing({}, weekFrom, dealCloses)).toEqual([c.hdTender]);
      expect(await closing({}, weekFrom, china('2027-01-01T00:00:00'))).toEqual([c.hdTender, c.pdDeal, c.hdCorrected, c.hdLater]);
    });

    it('never lists a withdrawn item, a draft, or one whose closing date is withheld', async () => {
      const all = await closing({}, china('2026-01-01T00:00:00'), china('2028-01-01T00:00:00'));
      for (const id of [c.hdWithdrawn, c.hdDraft, c.hdWithheld]) expect(all).not.toContain(id);
      // The withheld one is public all the same.
      expect((await readModel.listPublic(listQuery.parse({ field: 'procurement', limit: '10' }))).items.map((i) => i.id)).toContain(c.hdWithheld);
    });

    it('filters by region prefix and field', async () => {
      expect(await closing({ region: '110000' })).toEqual([c.hdTender, c.hdCorrected]);
      expect(await closing({ region: '110108' })).toEqual([c.hdTender, c.hdCorrected]);
      expect(await closing({ region: '310000' })).toEqual([c.pdDeal]);
      expect(await closing({ region: '320000' })).toEqual([]);
      expect(await closing({ field: 'land' })).toEqual([c.pdDeal]);
      expect(await closing({ field: 'procurement', region: '110100' })).toEqual([c.hdCorrected]);
    });
  });

  describe(`read model contract: ${name}: overdue agency items`, () => {
    let readModel: ReadModel;
    let db: Connection;
    const LATE = { code: 'gd-late-zjw', name: '广东省某市住房和城乡建设局', region: '440103' };

    beforeAll(async () => {
      ({ readModel, db } = await setup());
    }, 60_000);

    it('counts an item published after its 到期日 as overdue for good, and one published in time never', async () => {
      const clock = { now: new Date('2026-03-02T09:00:00+08:00') };
      const { disclosures: deps } = createServices(db, { readModel, now: () => clock.now });
      await createAgency(deps.db, LATE).catch(() => undefined);
      const who: Principal = { keyId: 'key-late', agencyCode: LATE.code, role: 'admin' };
      const make = async (title: string, formedAt: string) =>
        (await createDisclosure(deps, who, createDisclosureInput.parse(allocationResult({ title, formedAt, region: LATE.region })))).disclosure._id.toHexString();
      const late = await make('逾期公开的分配结果', '2026-01-05');
      const inTime = await make('按时公开的分配结果', '2026-03-01');
      const waiting = await make('尚在时限内的草稿', '2026-03-01');
      await publishDisclosure(deps, who, late);
      await publishDisclosure(deps, who, inTime);
      const overdue = async (at: string) => (await readModel.listAgency(LATE.code, { limit: 10, overdueAt: new Date(at) })).items.map((i) => i.id);
      expect(await overdue('2026-03-02T10:00:00+08:00')).toEqual([late]);
      // A year on, the waiting draft is overdue too; the item published in time still is not.
      expect(await overdue('2027-03-02T10:00:00+08:00')).toEqual([waiting, late]);
      expect((await readModel.listAgency(LATE.code, { limit: 10, overdueAt: new Date('2027-03-02T10:00:00+08:00'), status: 'published' })).items.map((i) => i.id)).toEqual([late]);
    });
  });
}
