/**
 * The answers to an information request (政府信息公开条例 第三十六条), as data: each with the
 * article it rests on, the sentence the reply must carry, what else the agency must give, and
 * the row of the annual report's table 三 (国办公开办函〔2021〕30号, 收到和处理政府信息公开申请情况)
 * it is counted in.
 */
export interface DecisionType {
  readonly code: string;
  /** The report's group: (一)予以公开 … (六)其他处理. */
  readonly group: ReportGroup;
  readonly name: string;
  readonly basis: string;
  /** What the reply tells the requester, before the agency's own words. */
  readonly notice: string;
  /** Reasons (for 不予公开, 无法提供, 不予处理), each its own report row. */
  readonly reasons?: readonly DecisionReason[];
  /** Fields the reply must carry for this decision. */
  readonly requires?: readonly ('location' | 'information' | 'withheldReason' | 'responsibleAgency')[];
}

export interface DecisionReason {
  readonly code: string;
  /** The report row's words. */
  readonly name: string;
  readonly basis: string;
}

export const REPORT_GROUPS = ['disclosed', 'partly-disclosed', 'not-disclosed', 'cannot-provide', 'not-processed', 'other'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

export const REPORT_GROUP_NAMES: Record<ReportGroup, string> = {
  disclosed: '（一）予以公开',
  'partly-disclosed': '（二）部分公开（区分处理的，只计这一情形，不计其他情形）',
  'not-disclosed': '（三）不予公开',
  'cannot-provide': '（四）无法提供',
  'not-processed': '（五）不予处理',
  other: '（六）其他处理',
};

export const DECISION_TYPES: readonly DecisionType[] = [
  {
    code: 'already-public',
    group: 'disclosed',
    name: '已主动公开',
    basis: '第三十六条第（一）项',
    notice: '您申请的政府信息已经主动公开，获取方式和途径如下。',
    requires: ['location'],
  },
  {
    code: 'disclosed',
    group: 'disclosed',
    name: '予以公开',
    basis: '第三十六条第（二）项',
    notice: '您申请的政府信息可以公开，现向您提供（或告知获取的方式、途径和时间）。',
    requires: ['information'],
  },
  {
    code: 'partly-disclosed',
    group: 'partly-disclosed',
    name: '部分公开',
    basis: '第三十七条',
    notice: '您申请的政府信息中含有不应当公开的内容，经区分处理，向您提供可以公开的部分，并对不予公开的部分说明理由。',
    requires: ['information', 'withheldReason'],
  },
  {
    code: 'not-disclosed',
    group: 'not-disclosed',
    name: '不予公开',
    basis: '第三十六条第（三）项',
    notice: '经审查，您申请的政府信息依法不予公开，理由如下。',
    reasons: [
      { code: 'state-secret', name: '属于国家秘密', basis: '第十四条' },
      { code: 'prohibited-by-law', name: '其他法律行政法规禁止公开', basis: '第十四条' },
      { code: 'security-stability', name: '危及“三安全一稳定”', basis: '第十四条' },
      { code: 'third-party-rights', name: '保护第三方合法权益', basis: '第十五条（商业秘密、个人隐私）、第三十二条' },
      { code: 'internal-affairs', name: '属于三类内部事务信息', basis: '第十六条第一款' },
      { code: 'process-information', name: '属于四类过程性信息', basis: '第十六条第二款' },
      { code: 'enforcement-file', name: '属于行政执法案卷', basis: '第十六条第二款' },
      { code: 'administrative-query', name: '属于行政查询事项', basis: '第三十六条第（七）项' },
    ],
  },
  {
    code: 'cannot-provide',
    group: 'cannot-provide',
    name: '无法提供',
    basis: '第三十六条第（四）（五）项、第三十八条、第三十条',
    notice: '您申请的政府信息无法提供，理由如下。',
    reasons: [
      { code: 'not-held', name: '本机关不掌握相关政府信息', basis: '第三十六条第（四）（五）项' },
      { code: 'needs-creation', name: '没有现成信息需要另行制作', basis: '第三十八条' },
      { code: 'unclear-after-correction', name: '补正后申请内容仍不明确', basis: '第三十条' },
    ],
  },
  {
    code: 'not-processed',
    group: 'not-processed',
    name: '不予处理',
    basis: '第三十五条、第三十六条第（六）项、第三十九条',
    notice: '您的申请不作为政府信息公开申请处理，理由如下。',
    reasons: [
      { code: 'petition-complaint', name: '信访举报投诉类申请', basis: '第三十九条第一款' },
      { code: 'repeated', name: '重复申请', basis: '第三十六条第（六）项' },
      { code: 'publication', name: '要求提供公开出版物', basis: '第三十九条第二款' },
      { code: 'unreasonable-volume', name: '无正当理由大量反复申请', basis: '第三十五条' },
      { code: 'confirm-or-reissue', name: '要求行政机关确认或重新出具已获取信息', basis: '第三十九条第二款' },
    ],
  },
];

/**
 * （六）其他处理: requests closed without a reply. 视为放弃 (第三十条) is the one gongkai records;
 * unpaid 信息处理费 (第四十二条, 国办函〔2020〕109号) has no workflow here yet and stays 0.
 */
export const OTHER_OUTCOMES = [
  { code: 'abandoned', name: '申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请', basis: '第三十条' },
  { code: 'unpaid-fee', name: '申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请', basis: '第四十二条' },
  { code: 'other', name: '其他', basis: '—' },
] as const;

export const DECISION_CODES = DECISION_TYPES.map((d) => d.code) as [string, ...string[]];

export function decisionType(code: string): DecisionType | undefined {
  return DECISION_TYPES.find((d) => d.code === code);
}

/** The report's rows, in the table's order: `group` alone for groups without reasons, `group/reason` otherwise. */
export function reportRows(): { key: string; group: ReportGroup; name: string }[] {
  const rows: { key: string; group: ReportGroup; name: string }[] = [];
  for (const group of REPORT_GROUPS) {
    const types = DECISION_TYPES.filter((d) => d.group === group);
    const reasons = types.flatMap((d) => d.reasons ?? []);
    const sub = group === 'other' ? OTHER_OUTCOMES : reasons;
    if (!sub.length) rows.push({ key: group, group, name: REPORT_GROUP_NAMES[group] });
    else sub.forEach((r, i) => rows.push({ key: `${group}/${r.code}`, group, name: `${REPORT_GROUP_NAMES[group]} ${i + 1}.${r.name}` }));
  }
  return rows;
}

/** The report row a closed request is counted in. */
export function reportRowOf(outcome: { decision?: string; reason?: string; closedAs?: string }): string {
  // Closed without a reply: 视为放弃 is the only such close gongkai makes.
  if (!outcome.decision) return `other/${outcome.closedAs ?? 'abandoned'}`;
  const type = decisionType(outcome.decision);
  if (!type) return 'other/other';
  return type.reasons?.length ? `${type.group}/${outcome.reason}` : type.group;
}
