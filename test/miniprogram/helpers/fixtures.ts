/** Canned API answers, shaped like the gongkai API's public views. */

export const catalogue = {
  fields: [
    {
      code: 'housing',
      name: '住房保障',
      itemTypes: [
        {
          code: 'allocation-result',
          name: '分配结果',
          description: '按申请编号公布的保障性住房分配结果。',
          contentSchema: {
            type: 'object',
            properties: {
              projectName: { type: 'string', description: '项目名称' },
              drawDate: { type: 'string', description: '摇号或排序日期' },
              developer: { type: 'string', description: '建设单位' },
              results: {
                type: 'array',
                description: '分配结果',
                items: {
                  type: 'object',
                  properties: {
                    applicationNumber: { type: 'string', description: '申请编号' },
                    outcome: {
                      type: 'string',
                      enum: ['allocated', 'waiting', 'rejected'],
                      description: '结果（allocated 已分配／waiting 轮候／rejected 未通过）',
                    },
                  },
                },
              },
            },
          },
        },
        { code: 'allocation-policy', name: '分配政策', description: '保障性住房的分配政策。' },
      ],
    },
    { code: 'land', name: '国有土地使用权出让', itemTypes: [{ code: 'supply-plan', name: '供应计划' }] },
  ],
};

export const mpConfig = { templateIds: ['TMPL-A', 'TMPL-B'], templateKind: 'one-time' };

export function summary(n: number, overrides: Record<string, unknown> = {}) {
  return {
    id: `d${n}`,
    status: 'published',
    agency: { code: 'bj-chaoyang-zjw', name: '朝阳区住房和城乡建设委员会' },
    field: 'housing',
    fieldName: '住房保障',
    itemType: 'allocation-result',
    itemTypeName: '分配结果',
    title: `公租房分配结果公示（第 ${n} 批）`,
    region: '110105',
    formedAt: '2026-03-01',
    publishedAt: '2026-03-02T01:30:00.000Z',
    revision: 1,
    ...overrides,
  };
}

const revision1 = {
  n: 1,
  title: '公租房分配结果公示（第 1 批）',
  content: {
    projectName: '朝阳区某公租房项目',
    drawDate: '2026-02-20',
    developer: '依法不予公开（商业秘密）',
    results: [
      { applicationNumber: 'HD2026-0001', outcome: 'allocated' },
      { applicationNumber: 'HD2026-0002', outcome: 'waiting' },
    ],
  },
  withheld: [{ path: 'developer', basis: 'commercial-secret', notice: '依法不予公开（商业秘密）' }],
  attachments: [{ name: '分配结果名单.pdf', url: 'https://files.example.gov.cn/a.pdf', sha256: 'a'.repeat(64) }],
  publishedAt: '2026-03-02T01:30:00.000Z',
};

/** Published, with one withheld value. */
export const disclosure = { ...summary(1), revisions: [revision1], current: revision1 };

/** Corrected: two revisions, the second with its change note. */
export const correctedDisclosure = (() => {
  const revision2 = {
    ...revision1,
    n: 2,
    title: '公租房分配结果公示（第 1 批，更正）',
    content: { ...revision1.content, drawDate: '2026-02-21' },
    note: '摇号日期更正为 2026-02-21',
    publishedAt: '2026-03-05T02:00:00.000Z',
  };
  return { ...summary(1, { status: 'corrected', revision: 2 }), revisions: [revision1, revision2], current: revision2 };
})();

/** Withdrawn, with its reason. */
export const withdrawnDisclosure = {
  ...summary(1, { status: 'withdrawn' }),
  withdrawn: { at: '2026-03-10T08:00:00.000Z', reason: '项目信息有误，待核实后重新发布' },
  revisions: [revision1],
  current: revision1,
};
