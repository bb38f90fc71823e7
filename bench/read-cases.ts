/**
 * The reads bench:read measures, each with `samples` different values: a different query is a
 * different cache key, so every request is a first, uncached answer.
 */
export interface ReadSample {
  path: string;
  query: Record<string, string>;
  /** Needs the agency's key. */
  agency?: boolean;
}

export interface ReadCase {
  name: string;
  kind: 'list' | 'report' | 'pending';
  samples: ReadSample[];
}

const FIELDS = ['housing', 'procurement', 'blacklist', 'land'];
const REGIONS = ['110000', '310000', '440000', '510000', '330000', '420000', '110100', '110108', '310115', '440106'];
const AGENCIES = ['bj-haidian-zjw', 'bj-chaoyang-zjw', 'sh-pudong-fgj', 'sh-huangpu-czj', 'gz-tianhe-zjj', 'cd-wuhou-ggzy', 'hz-xihu-zgj', 'wh-jiangan-zgj'];
const COMMON = ['住房', '公共租赁', '采购', '保障性', '黑名单', '建设用地', '分配结果', '物业服务'];
const PAIRS = ['公共租赁 分配', '物业 采购', '建设用地 供应', '串通 投标', '保障性 住房', '海淀区 公示', '浦东新区 采购', '天河区 黑名单'];
const YEARS = ['2022', '2023', '2024', '2025', '2026'];

const pick = <T>(list: readonly T[], i: number) => list[i % list.length]!;

function list(name: string, samples: number, make: (i: number) => Record<string, string>): ReadCase {
  return {
    name,
    kind: 'list',
    samples: Array.from({ length: samples }, (_, i) => {
      // limit varies too, so no two samples share a cache key even when the filter repeats.
      const query = { ...make(i), limit: String(10 + i) };
      return { path: `/api/v1/disclosures?${new URLSearchParams(query)}`, query };
    }),
  };
}

export function readCases(docs: number, samples: number): ReadCase[] {
  // Copies are titled （第n号）: the number n, segmented alone, names one item (a rare word).
  const rare = (i: number) => String(Math.max(1, Math.floor(((i + 1) * docs) / (samples + 2))));
  return [
    list('list: all', samples, () => ({})),
    list('list: field', samples, (i) => ({ field: pick(FIELDS, i) })),
    list('list: region prefix', samples, (i) => ({ region: pick(REGIONS, i) })),
    list('list: agency', samples, (i) => ({ agency: pick(AGENCIES, i) })),
    list('list: field + region + year', samples, (i) => {
      const year = pick(YEARS, i);
      return { field: pick(FIELDS, i), region: pick(REGIONS, i + 1), from: `${year}-01-01`, to: `${year}-12-31` };
    }),
    list('search: a common word', samples, (i) => ({ q: pick(COMMON, i) })),
    list('search: a rare word', samples, (i) => ({ q: rare(i) })),
    list('search: two words', samples, (i) => ({ q: pick(PAIRS, i) })),
    list('search: a word plus filters', samples, (i) => ({ q: pick(COMMON, i), field: pick(FIELDS, i + 2), region: pick(REGIONS, i) })),
    list('search: by relevance', samples, (i) => ({ q: pick(COMMON, i), sort: 'relevance' })),
    list('facets', samples, (i): Record<string, string> => (i % 3 === 0 ? { facets: 'true' } : i % 3 === 1 ? { facets: 'true', region: pick(REGIONS, i) } : { facets: 'true', field: pick(FIELDS, i) })),
    list('facets of a search', samples, (i) => ({ facets: 'true', q: pick(COMMON, i) })),
    {
      name: 'annual report of one agency',
      kind: 'report',
      samples: Array.from({ length: samples }, (_, i) => {
        const query = { year: pick(YEARS, i), agency: pick(AGENCIES, Math.floor(i / YEARS.length)) };
        return { path: `/api/v1/reports/annual?${new URLSearchParams(query)}`, query, agency: true };
      }),
    },
    {
      name: 'compliance pending',
      kind: 'pending',
      samples: Array.from({ length: samples }, (_, i) => {
        const query = { withinDays: String(i % 61) };
        return { path: `/api/v1/compliance/pending?${new URLSearchParams(query)}`, query, agency: true };
      }),
    },
  ];
}
