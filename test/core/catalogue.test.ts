import { describe, expect, it } from 'vitest';
import { z, ZodError } from 'zod';
import { date, dateTime } from '../../core/catalogue/common.ts';
import { closingOf } from '../../core/catalogue/closing.ts';
import { catalogue, catalogueDocument, findItemType } from '../../core/catalogue/index.ts';
import { FIELD_CODES } from '../../core/catalogue/types.ts';

const party = { name: '某某建设集团有限公司', creditCode: '91110000100000000X' };
const contact = { organisation: '某市住房保障中心', person: '王工', phone: '010-12345678' };
const period = { from: '2026-03-01', to: '2026-03-10' };

/** One valid content per item type, keyed `field/itemType`. */
const examples: Record<string, Record<string, unknown>> = {
  'housing/construction-plan': {
    title: '某市“十五五”保障性安居工程规划建设方案',
    region: '某市',
    planPeriod: { startYear: 2026, endYear: 2030 },
    targets: [{ category: '保障性租赁住房', quantity: 20000, unit: '套' }],
    content: '规划期内新筹集保障性租赁住房两万套。',
  },
  'housing/annual-plan': {
    year: 2026,
    region: '某市',
    tasks: [{ category: '公租房', quantity: 1200, unit: '套' }],
    projects: [{ name: '某某家园公租房项目', location: '某区某路1号', category: '公租房', units: 600, investment: 180000000 }],
    unitTypes: [{ layout: '一室一厅', floorArea: 45.5, units: 400 }],
  },
  'housing/plan-progress': {
    year: 2026,
    region: '某市',
    asOf: '2026-06-30',
    progress: { plannedUnits: 1200, startedUnits: 900, completedUnits: 300 },
    startedProjects: [{ name: '某某家园', units: 600, date: '2026-03-15' }],
    facilities: [{ projectName: '某某家园', description: '配建幼儿园一所', status: 'under-construction' }],
  },
  'housing/rural-renovation': {
    year: 2026,
    region: '某县',
    policy: '对四类重点对象实施危房改造。',
    targetIdentification: '农户申请、村级评议、乡镇审核、县级审批，各环节公示。',
    subsidy: { totalAmount: 3500000.5, standard: '每户平均补助2万元', allocations: [{ area: '某镇', households: 50, amount: 1000000 }] },
    result: { plannedHouseholds: 175, completedHouseholds: 160 },
  },
  'housing/allocation-policy': {
    title: '某市公共租赁住房管理办法',
    region: '某市',
    issuedBy: '某市人民政府',
    documentNumber: '某政发〔2026〕3号',
    effectiveDate: '2026-01-01',
    content: '第一条 为规范公共租赁住房管理……',
  },
  'housing/allocation-targets': {
    region: '某市',
    housingType: '公租房',
    criteria: { income: '家庭人均月收入低于3000元', housing: '本市无自有住房' },
    approvedHouseholds: 820,
    publicityPeriod: period,
  },
  'housing/allocation-housing': {
    projectName: '某某家园',
    location: '某区某路1号',
    housingType: '公租房',
    totalUnits: 600,
    units: [{ building: '1号楼', layout: '一室一厅', floorArea: 45.5, count: 200, monthlyRent: 680 }],
  },
  'housing/allocation-procedure': {
    title: '公共租赁住房申请分配程序',
    region: '某市',
    steps: [
      { order: 1, name: '申请', description: '向街道提交申请材料' },
      { order: 2, name: '审核', description: '区住房保障部门审核', timeLimit: '20个工作日' },
    ],
    channels: '街道政务服务中心或“某市住房保障”网站',
  },
  'housing/allocation-process': {
    projectName: '某某家园',
    batch: '2026年第一批',
    method: '公开摇号',
    stages: [{ stage: '摇号', date: '2026-05-20', description: '在公证处监督下公开摇号' }],
    supervisor: '某市公证处',
  },
  'housing/allocation-result': {
    projectName: '某某家园',
    drawDate: '2026-05-20',
    results: [
      { applicationNumber: 'GZF-2026-0001', householdName: '张*明', allocatedUnit: '1-502', outcome: 'allocated' },
      { applicationNumber: 'GZF-2026-0002', outcome: 'waiting', note: '轮候第3位' },
    ],
  },
  'land/supply-plan': {
    year: 2026,
    region: '某市',
    totalArea: 520.35,
    breakdown: [{ use: '住宅用地', area: 200 }, { use: '工矿仓储用地', area: 320.35 }],
  },
  'land/transfer-notice': {
    noticeNumber: '某自然资告〔2026〕5号',
    transferor: '某市自然资源和规划局',
    method: 'listing',
    parcels: [
      {
        parcelNumber: '2026-015',
        location: '某区某路以东',
        area: 35000.5,
        use: '城镇住宅用地',
        term: 70,
        plotRatio: '1.0＜容积率≤2.5',
        startingPrice: 350000000,
        deposit: 70000000,
      },
    ],
    eligibility: '中华人民共和国境内外的法人和其他组织均可申请参加。',
    applicationPeriod: period,
    biddingStart: '2026-03-01T09:00',
    biddingEnd: '2026-03-12T15:00:00+08:00',
  },
  'land/deal-publicity': {
    transferor: '某市自然资源和规划局',
    method: 'listing',
    dealDate: '2026-03-12',
    parcels: [
      { parcelNumber: '2026-015', location: '某区某路以东', area: 35000.5, use: '城镇住宅用地', winner: party, price: 412000000 },
    ],
    publicityPeriod: { from: '2026-03-13', to: '2026-03-22' },
  },
  'land/supply-result': {
    projectName: '某某产业园项目',
    location: '某区工业大道',
    area: 3.5,
    use: '工业用地',
    supplyMethod: 'listing',
    landUser: party,
    term: 50,
    price: 12600000,
    signDate: '2026-04-01',
  },
  'mining/transfer-notice': {
    noticeNumber: '某自然资矿告〔2026〕1号',
    transferor: '某省自然资源厅',
    rightType: 'mining',
    method: 'auction',
    projects: [{ name: '某县某某建筑用石料矿', mineral: '建筑用花岗岩', location: '某县某镇', area: 0.2356, startingPrice: 5000000 }],
    eligibility: '具有独立民事能力的企业法人。',
    applicationPeriod: period,
  },
  'mining/approval-result': {
    matter: 'new',
    rightType: 'mining',
    projectName: '某县某某建筑用石料矿',
    rightHolder: party,
    licenseNumber: 'C1100002026047110000001',
    mineral: '建筑用花岗岩',
    location: '某县某镇',
    area: 0.2356,
    validity: { from: '2026-05-01', to: '2036-04-30' },
    authority: '某省自然资源厅',
    approvalDate: '2026-04-28',
  },
  'mining/project-info': {
    projectName: '某县某某建筑用石料矿',
    rightType: 'mining',
    rightHolder: party,
    mineral: '建筑用花岗岩',
    location: '某县某镇',
    area: 0.2356,
    coordinates: '1: 3456789.12, 39567890.34; 2: 3456800.00, 39567990.00',
  },
  'procurement/procurement-notice': {
    projectNumber: 'ZC2026-001',
    projectName: '某局办公设备采购项目',
    purchaser: '某市某局',
    method: 'open-tender',
    budget: 1200000,
    lots: [{ lotNumber: '1', name: '台式计算机', quantity: '200台', budget: 1200000 }],
    supplierRequirements: '满足《中华人民共和国政府采购法》第二十二条规定。',
    documentsPeriod: period,
    documentsMethod: '在某市政府采购网免费下载',
    deadline: '2026-03-25T09:30',
    contact,
  },
  'procurement/procurement-documents': {
    projectNumber: 'ZC2026-001',
    projectName: '某局办公设备采购项目',
    purchaser: '某市某局',
    issueDate: '2026-03-01',
    documents: [{ title: '招标文件', url: 'https://ccgp.example.gov.cn/files/ZC2026-001.pdf' }],
  },
  'procurement/budget': {
    year: 2026,
    purchaser: '某市某局',
    projectName: '某局办公设备采购项目',
    amount: 1200000,
  },
  'procurement/procurement-result': {
    projectNumber: 'ZC2026-001',
    projectName: '某局办公设备采购项目',
    purchaser: '某市某局',
    method: 'open-tender',
    resultDate: '2026-03-28',
    awards: [{ lotNumber: '1', supplier: party, amount: 1135000.8, mainItems: '台式计算机200台' }],
    reviewers: ['李某', '赵某', '钱某'],
  },
  'procurement/contract': {
    contractNumber: 'HT2026-001',
    projectNumber: 'ZC2026-001',
    projectName: '某局办公设备采购项目',
    purchaser: '某市某局',
    supplier: party,
    subject: '台式计算机200台',
    amount: 1135000.8,
    signDate: '2026-04-05',
  },
  'procurement/complaint-decision': {
    kind: 'complaint',
    documentNumber: '某财采投〔2026〕2号',
    projectName: '某局办公设备采购项目',
    complainant: { name: '某科技有限公司' },
    facts: '投诉人认为评审因素设置具有倾向性。',
    decision: '投诉事项缺乏事实依据，驳回投诉。',
    authority: '某市财政局',
    decisionDate: '2026-04-20',
  },
  'procurement/agency-assessment': {
    year: 2025,
    agencyName: '某市公共资源交易中心',
    assessor: '某市财政局',
    assessmentDate: '2026-02-15',
    score: 92.5,
    findings: '内部控制制度健全，采购活动规范。',
  },
  'procurement/misconduct-record': {
    party,
    misconduct: '提供虚假材料谋取中标。',
    basis: '《中华人民共和国政府采购法》第七十七条',
    penalty: '处采购金额千分之五的罚款，一年内禁止参加政府采购活动。',
    authority: '某市财政局',
    documentNumber: '某财罚〔2026〕1号',
    decisionDate: '2026-05-01',
    exclusionPeriod: { from: '2026-05-01', to: '2027-04-30' },
  },
  'state-assets/decision-approval': {
    projectName: '某公司30%股权转让',
    transactionType: 'equity-transfer',
    target: { name: '某某科技有限公司' },
    transferor: { name: '某市国有资本投资运营有限公司' },
    decision: { body: '董事会', form: '董事会决议', date: '2026-01-10' },
    approval: { authority: '某市国资委', documentNumber: '某国资产权〔2026〕8号', date: '2026-02-01' },
  },
  'state-assets/transaction-project': {
    projectNumber: 'G32026SH1000001',
    projectName: '某公司30%股权转让',
    exchange: '某产权交易所',
    transactionType: 'equity-transfer',
    target: { name: '某某科技有限公司' },
    transferor: { name: '某市国有资本投资运营有限公司' },
    shareRatio: 30,
    listingPeriod: { from: '2026-02-10', to: '2026-03-09' },
    listingPrice: 36000000,
    targetOverview: '标的企业主营软件开发，职工120人。',
  },
  'state-assets/transfer-price': {
    projectNumber: 'G32026SH1000001',
    projectName: '某公司30%股权转让',
    appraiser: { name: '某资产评估有限公司' },
    appraisalReportNumber: '某评报字〔2026〕第015号',
    appraisalDate: '2025-12-31',
    assessedValue: 35800000,
    listingPrice: 36000000,
    priceDate: '2026-02-05',
  },
  'state-assets/transaction-price': {
    projectNumber: 'G32026SH1000001',
    projectName: '某公司30%股权转让',
    transferee: party,
    tradingMethod: 'online-bidding',
    transactionPrice: 41200000,
    transactionDate: '2026-03-15',
  },
  'state-assets/audit-result': {
    projectName: '某公司30%股权转让',
    auditedEntity: { name: '某某科技有限公司' },
    auditFirm: { name: '某会计师事务所（特殊普通合伙）' },
    reportNumber: '某审字〔2026〕第0123号',
    reportDate: '2026-01-20',
    opinion: 'unqualified',
    figures: { totalAssets: 98000000, totalLiabilities: 40000000, netAssets: 58000000, netProfit: -1250000.25 },
  },
  'bidding/approval-filing': {
    projectName: '某市某路改造工程',
    projectCode: '2026-110000-48-01-000001',
    kind: 'approval',
    owner: { name: '某市城市建设投资有限公司' },
    authority: '某市发展和改革委员会',
    documentNumber: '某发改投资〔2026〕10号',
    date: '2026-01-15',
    investment: 250000000,
    tenderMethod: 'open',
  },
  'bidding/market-credit': {
    party,
    role: 'bidder',
    recordType: 'bad',
    content: '在某项目投标中串通投标。',
    authority: '某市住房和城乡建设局',
    date: '2026-03-01',
  },
  'bidding/tender-notice': {
    projectNumber: 'JSGC2026-008',
    projectName: '某市某路改造工程',
    conditions: {
      approval: '某发改投资〔2026〕10号',
      owner: '某市城市建设投资有限公司',
      fundingSource: '财政资金',
      tenderer: '某市城市建设投资有限公司',
    },
    overview: { location: '某市某区', scale: '道路全长3.2公里', plannedDuration: 365, scope: '施工总承包' },
    qualifications: { requirements: '市政公用工程施工总承包二级及以上资质。', jointBidAccepted: false },
    documents: { period, method: '电子交易平台下载' },
    submission: { deadline: '2026-03-25T09:30', place: '电子交易平台在线递交' },
    contact,
  },
  'bidding/candidates': {
    projectNumber: 'JSGC2026-008',
    projectName: '某市某路改造工程',
    tenderer: '某市城市建设投资有限公司',
    publicityPeriod: { from: '2026-03-28', to: '2026-03-30' },
    candidates: [
      {
        rank: 1,
        name: '某某建设集团有限公司',
        creditCode: '91110000100000000X',
        bidPrice: 198500000.5,
        duration: 360,
        evaluation: '综合评分第一',
        score: 93.6,
        projectManager: '周某',
        personalPerformance: '2023年某大道改造工程项目经理',
        certificates: [{ name: '一级注册建造师', number: '京111202012345678' }],
        qualifications: '市政公用工程施工总承包一级',
      },
    ],
    objection: { channel: '投标人可在公示期内通过电子交易平台向招标人提出异议。' },
  },
  'bidding/award-result': {
    projectNumber: 'JSGC2026-008',
    projectName: '某市某路改造工程',
    tenderer: '某市城市建设投资有限公司',
    winner: party,
    awardPrice: 198500000.5,
    awardDate: '2026-04-02',
  },
  'bidding/contract-performance': {
    projectNumber: 'JSGC2026-008',
    projectName: '某市某路改造工程',
    employer: '某市城市建设投资有限公司',
    contractor: party,
    contractPrice: 198500000.5,
    signDate: '2026-04-20',
    duration: 360,
    performance: { status: 'in-progress', startDate: '2026-05-01' },
  },
  'blacklist/misconduct': {
    party,
    misconduct: '在政府采购活动中提供虚假材料。',
    authority: '某市财政局',
    decision: { documentNumber: '某财罚〔2026〕1号', date: '2026-05-01', content: '列入政府采购严重违法失信行为记录名单。' },
    period: { from: '2026-05-01', to: '2027-04-30' },
  },
};

// 回应 items are the same in every field.
for (const field of FIELD_CODES) {
  examples[`${field}/response`] = { respondsTo: '6710e3c2a1b2c3d4e5f60718', text: '经核查，本批次分配结果符合规定，欢迎继续监督。', summary: '分配结果经核查无误' };
  examples[`${field}/request-result`] = { decision: 'partly-disclosed', answeredOn: '2026-10-20', summary: '应申请公开：2026年第三批公共租赁住房摇号过程的公证记录（涉及个人隐私的部分除外）。' };
}

const itemTypes = catalogue.flatMap((field) => field.itemTypes.map((itemType) => ({ key: `${field.code}/${itemType.code}`, field, itemType })));

function example(key: string): Record<string, unknown> {
  const value = examples[key];
  if (!value) throw new Error(`no example content for ${key}`);
  return structuredClone(value);
}

function issuesOf(run: () => unknown): ZodError['issues'] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ZodError);
    return (error as ZodError).issues;
  }
  throw new Error('expected a ZodError');
}

function contentSchemaOf(field: string, itemType: string): Record<string, unknown> {
  const schema = catalogueDocument()
    .fields.find((f) => f.code === field)
    ?.itemTypes.find((t) => t.code === itemType)?.contentSchema;
  if (!schema) throw new Error(`no content schema for ${field}/${itemType}`);
  return schema;
}

describe('catalogue', () => {
  it('has the seven fields in order with their Chinese names', () => {
    expect(catalogue.map((f) => f.code)).toEqual([...FIELD_CODES]);
    expect(catalogue.map((f) => f.name)).toEqual([
      '住房保障',
      '国有土地使用权出让',
      '矿业权出让',
      '政府采购',
      '国有产权交易',
      '工程建设项目招标投标',
      '黑名单',
    ]);
  });

  it('uses unique kebab-case item type codes within each field', () => {
    for (const field of catalogue) {
      const codes = field.itemTypes.map((t) => t.code);
      expect(new Set(codes).size).toBe(codes.length);
      for (const code of codes) expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    }
  });

  it('has no example for an item type that does not exist', () => {
    expect(Object.keys(examples).filter((key) => !itemTypes.some((t) => t.key === key))).toEqual([]);
  });

  describe.each(itemTypes)('$key', ({ key, field, itemType }) => {
    it('parses its valid example', () => {
      expect(() => itemType.content.parse(example(key))).not.toThrow();
    });

    it('fails naming each required key when it is removed', () => {
      const required = (contentSchemaOf(field.code, itemType.code).required ?? []) as string[];
      expect(required.length).toBeGreaterThan(0);
      for (const name of required) {
        const content = example(key);
        expect(content, `${key} example lacks required ${name}`).toHaveProperty(name);
        delete content[name];
        const issues = issuesOf(() => itemType.content.parse(content));
        expect(issues.map((i) => i.path[0])).toContain(name);
      }
    });

    it('rejects an unknown key', () => {
      const issues = issuesOf(() => itemType.content.parse({ ...example(key), extra: 1 }));
      expect(issues.some((i) => i.code === 'unrecognized_keys')).toBe(true);
    });

    it('lets any key be made optional, so a withheld key can be left out', () => {
      expect(() => itemType.content.partial().parse({})).not.toThrow();
    });

    it('is found by findItemType', () => {
      expect(findItemType(field.code, itemType.code)).toEqual({ field, itemType });
    });
  });

  it('misses unknown fields and item types, and item types of another field', () => {
    expect(findItemType('housing', 'nope')).toBeUndefined();
    expect(findItemType('nope', 'allocation-result')).toBeUndefined();
    expect(findItemType('land', 'allocation-result')).toBeUndefined();
    expect(findItemType('housing/allocation-result', '')).toBeUndefined();
  });

  it('marks licence and penalty decisions', () => {
    const decisions = itemTypes.filter((t) => t.itemType.decision).map((t) => `${t.key}:${t.itemType.decision}`);
    expect(decisions.sort()).toEqual([
      'bidding/approval-filing:license',
      'blacklist/misconduct:penalty',
      'mining/approval-result:license',
      'procurement/misconduct-record:penalty',
    ]);
  });
});

describe('catalogueDocument', () => {
  it('describes every field and item type with a JSON Schema carrying Chinese labels', () => {
    const doc = catalogueDocument();
    expect(doc.fields.map((f) => f.code)).toEqual([...FIELD_CODES]);
    for (const { field, itemType } of itemTypes) {
      const described = doc.fields.find((f) => f.code === field.code)?.itemTypes.find((t) => t.code === itemType.code);
      expect(described).toMatchObject({ code: itemType.code, name: itemType.name, description: itemType.description });
      const schema = described!.contentSchema;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      const properties = schema.properties as Record<string, { description?: string }>;
      for (const [key, property] of Object.entries(properties)) {
        expect(property.description, `${field.code}/${itemType.code}.${key}`).toMatch(/\p{Script=Han}/u);
      }
    }
  });

  it('gives 7 working days to decisions and 20 to everything else', () => {
    for (const field of catalogueDocument().fields) {
      for (const t of field.itemTypes) {
        expect(t.dueWorkingDays).toBe(t.decision ? 7 : 20);
        expect('decision' in t).toBe(Boolean(findItemType(field.code, t.code)?.itemType.decision));
      }
    }
    expect(contentSchemaOf('housing', 'allocation-result')).toBeDefined();
  });

  it('is computed once', () => {
    expect(catalogueDocument()).toBe(catalogueDocument());
  });

  it('has no array of arrays, no object without its keys listed, and no key with . or $ in any schema', () => {
    const problems: string[] = [];
    const walk = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${where}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'array') {
        const items = schema.items as Record<string, unknown> | undefined;
        if (!items || items.type === 'array' || items.type === undefined) problems.push(`${where}: array items ${JSON.stringify(items)}`);
      }
      if (schema.type === 'object' && schema.additionalProperties !== false) problems.push(`${where}: open object`);
      if (schema.properties) {
        for (const key of Object.keys(schema.properties)) {
          if (key.includes('.') || key.startsWith('$')) problems.push(`${where}: key ${key}`);
        }
      }
      for (const [key, value] of Object.entries(schema)) walk(value, `${where}.${key}`);
    };
    for (const field of catalogueDocument().fields) {
      for (const t of field.itemTypes) walk(t.contentSchema, `${field.code}/${t.code}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('closing dates (ItemType.closing)', () => {
  const declared = itemTypes.filter(({ itemType }) => itemType.closing?.length);
  // The JSON Schema of the catalogue's own date and dateTime helpers, without their label.
  const shapeOf = (schema: z.ZodType) => {
    const { $schema: _s, description: _d, ...shape } = z.toJSONSchema(schema) as Record<string, unknown>;
    return shape;
  };
  const dateShape = shapeOf(date('日期'));
  const dateTimeShape = shapeOf(dateTime('时间'));
  /** The JSON Schema of a dotted content path, through nested objects; undefined when a step is missing. */
  const schemaAt = (schema: Record<string, unknown>, path: string) =>
    path.split('.').reduce<Record<string, unknown> | undefined>((s, key) => (s?.properties as Record<string, Record<string, unknown>> | undefined)?.[key], schema);

  it('are declared on the notices and publicity items residents act on', () => {
    expect(declared.map((d) => d.key).sort()).toEqual([
      'bidding/candidates',
      'bidding/tender-notice',
      'housing/allocation-targets',
      'land/deal-publicity',
      'land/transfer-notice',
      'mining/transfer-notice',
      'procurement/procurement-notice',
      'state-assets/transaction-project',
    ]);
  });

  it('name a date or date-time path of the schema, with a Chinese label', () => {
    for (const { key, field, itemType } of declared) {
      for (const { path, label } of itemType.closing!) {
        const property = schemaAt(contentSchemaOf(field.code, itemType.code), path);
        expect(property, `${key} ${path}`).toBeDefined();
        const { description: _label, ...shape } = property!;
        expect([dateShape, dateTimeShape], `${key} ${path}`).toContainEqual(shape);
        expect(label, `${key} ${path}`).toMatch(/^\p{Script=Han}.*截止/u);
      }
    }
  });

  it('come from each example: a date closes at the end of its day in China, a time without offset is Beijing time', () => {
    for (const { key, field, itemType } of declared) expect(closingOf(field.code, itemType.code, example(key)), key).toBeDefined();
    expect(closingOf('bidding', 'candidates', example('bidding/candidates'))).toEqual({ at: new Date('2026-03-30T15:59:59.999Z'), label: '公示期截止（异议截止）', allDay: true });
    expect(closingOf('procurement', 'procurement-notice', example('procurement/procurement-notice'))).toEqual({ at: new Date('2026-03-25T01:30:00Z'), label: '响应文件提交截止', allDay: false });
    expect(closingOf('land', 'transfer-notice', example('land/transfer-notice'))?.at).toEqual(new Date('2026-03-12T07:00:00Z'));
  });

  it('are taken from public values only: a withheld key gives none, or the next declared one', () => {
    const notice = '依法不予公开（商业秘密）';
    expect(closingOf('procurement', 'procurement-notice', { ...example('procurement/procurement-notice'), deadline: notice })).toBeUndefined();
    expect(closingOf('bidding', 'tender-notice', { ...example('bidding/tender-notice'), submission: notice })).toBeUndefined();
    const land = closingOf('land', 'transfer-notice', { ...example('land/transfer-notice'), biddingEnd: notice });
    expect(land).toMatchObject({ label: '竞买申请截止', at: new Date('2026-03-10T15:59:59.999Z') });
    expect(closingOf('housing', 'allocation-result', example('housing/allocation-result'))).toBeUndefined();
  });
});

describe('allocation-result applicationNumbers', () => {
  const found = findItemType('housing', 'allocation-result')!;

  it('returns every application number in the results', () => {
    const content = found.itemType.content.parse(example('housing/allocation-result'));
    expect(found.itemType.applicationNumbers?.(content)).toEqual(['GZF-2026-0001', 'GZF-2026-0002']);
  });

  it('is set only on allocation results', () => {
    expect(itemTypes.filter((t) => t.itemType.applicationNumbers).map((t) => t.key)).toEqual(['housing/allocation-result']);
  });

  it.each(['', 'GZF 2026', 'GZF/2026', 'A'.repeat(41), '申请0001'])('rejects application number %j', (applicationNumber) => {
    const content = example('housing/allocation-result');
    content.results = [{ applicationNumber, outcome: 'waiting' }];
    const issues = issuesOf(() => found.itemType.content.parse(content));
    expect(issues[0]?.path).toEqual(['results', 0, 'applicationNumber']);
  });

  it('rejects a duplicate application number and an unmasked name', () => {
    const content = example('housing/allocation-result');
    content.results = [
      { applicationNumber: 'A-1', outcome: 'waiting' },
      { applicationNumber: 'A-1', outcome: 'rejected', householdName: '张三明' },
    ];
    const paths = issuesOf(() => found.itemType.content.parse(content)).map((i) => i.path.join('.'));
    expect(paths).toContain('results.1.householdName');
    const dedup = example('housing/allocation-result');
    dedup.results = [
      { applicationNumber: 'A-1', outcome: 'waiting' },
      { applicationNumber: 'A-1', outcome: 'rejected' },
    ];
    expect(issuesOf(() => found.itemType.content.parse(dedup)).map((i) => i.path.join('.'))).toEqual(['results.1.applicationNumber']);
  });
});

describe('shared value rules', () => {
  const allocation = findItemType('housing', 'allocation-result')!.itemType.content;
  const budget = findItemType('procurement', 'budget')!.itemType.content;
  const blacklist = findItemType('blacklist', 'misconduct')!.itemType.content;

  it.each(['2026-02-30', '2025-02-29', '2026-13-01', '2026-4-1', '26-04-01'])('rejects the date %s', (drawDate) => {
    const issues = issuesOf(() => allocation.parse({ ...example('housing/allocation-result'), drawDate }));
    expect(issues.map((i) => i.path)).toEqual([['drawDate']]);
  });

  it('accepts 29 February in a leap year', () => {
    expect(() => allocation.parse({ ...example('housing/allocation-result'), drawDate: '2024-02-29' })).not.toThrow();
  });

  it.each([-0.01, -100, 1.005, Number.NaN, Number.POSITIVE_INFINITY, '100'])('rejects the amount %s', (amount) => {
    const issues = issuesOf(() => budget.parse({ ...example('procurement/budget'), amount }));
    expect(issues.map((i) => i.path)).toEqual([['amount']]);
  });

  it('accepts amounts in fen', () => {
    for (const amount of [0, 0.07, 1234567.89, 99999999999.99]) {
      expect(budget.parse({ ...example('procurement/budget'), amount }).amount).toBe(amount);
    }
  });

  it('rejects a plan period ending before it starts', () => {
    const plan = findItemType('housing', 'construction-plan')!.itemType.content;
    const content = { ...example('housing/construction-plan'), planPeriod: { startYear: 2030, endYear: 2026 } };
    expect(issuesOf(() => plan.parse(content)).map((i) => i.path)).toEqual([['planPeriod', 'endYear']]);
  });

  it('rejects a period ending before it starts', () => {
    const issues = issuesOf(() => blacklist.parse({ ...example('blacklist/misconduct'), period: { from: '2026-05-01', to: '2026-04-30' } }));
    expect(issues.map((i) => i.path)).toEqual([['period', 'to']]);
  });

  it('rejects a malformed 统一社会信用代码 and accepts a party without one', () => {
    const bad = { ...example('blacklist/misconduct'), party: { name: '某公司', creditCode: '91110000100000000I' } };
    expect(issuesOf(() => blacklist.parse(bad)).map((i) => i.path)).toEqual([['party', 'creditCode']]);
    expect(() => blacklist.parse({ ...example('blacklist/misconduct'), party: { name: '某公司' } })).not.toThrow();
  });

  it('trims text and rejects blank or oversized text', () => {
    const parsed = budget.parse({ ...example('procurement/budget'), projectName: '  某项目  ' });
    expect(parsed.projectName).toBe('某项目');
    expect(issuesOf(() => budget.parse({ ...example('procurement/budget'), projectName: '   ' })).map((i) => i.path)).toEqual([['projectName']]);
    expect(issuesOf(() => budget.parse({ ...example('procurement/budget'), projectName: '某'.repeat(201) })).map((i) => i.path)).toEqual([
      ['projectName'],
    ]);
  });

  it('caps the number of allocation results', () => {
    const results = Array.from({ length: 5001 }, (_, i) => ({ applicationNumber: `A-${i}`, outcome: 'waiting' }));
    const issues = issuesOf(() => allocation.parse({ ...example('housing/allocation-result'), results }));
    expect(issues.map((i) => i.path)).toEqual([['results']]);
  });
});
