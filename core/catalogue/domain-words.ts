/**
 * Words of the six disclosure fields that jieba's general dictionary splits (公租房 → 公/租房,
 * 共有产权房 → 共有/产权/房, 轮候 → 轮/候). Added to the segmenter that reads public reactions, so a
 * press officer's hot keywords say 公租房 and 摇号, not 租房 and 号.
 */
export const DOMAIN_WORDS: readonly string[] = [
  // 住房保障
  '公租房', '廉租房', '经适房', '经济适用房', '共有产权房', '共有产权住房', '保障房', '保障性住房', '保障性租赁住房',
  '人才房', '人才公寓', '限价房', '限价商品房', '安置房', '回迁房', '棚改', '棚户区改造', '老旧小区改造',
  '轮候', '轮候家庭', '轮候号', '摇号', '选房', '配租', '配售', '实物配租', '租赁补贴', '住房补贴', '申请家庭',
  '资格审核', '复核', '退出管理', '备案号', '申请编号',
  // 国有土地使用权出让
  '土地出让', '出让金', '土地出让金', '招拍挂', '挂牌出让', '拍卖出让', '宗地', '地块', '容积率', '起始价',
  '竞得人', '竞买人', '成交价', '溢价率', '国有建设用地',
  // 矿业权出让
  '采矿权', '探矿权', '矿业权', '出让收益',
  // 政府采购
  '采购人', '采购代理机构', '供应商', '中标', '中标人', '中标候选人', '成交供应商', '询价', '竞争性磋商',
  '竞争性谈判', '单一来源', '废标', '流标', '质疑函', '采购意向',
  // 国有产权交易
  '产权交易', '挂牌价', '受让方', '转让方', '增资扩股',
  // 工程建设项目招标投标
  '招标人', '投标人', '评标', '评标委员会', '资格预审', '围标', '串标', '陪标', '挂靠',
  // 黑名单
  '失信', '失信被执行人', '联合惩戒', '黑名单', '信用中国',
];

/**
 * Agency names residents write, formal and short (住房和城乡建设委员会, 住建委). jieba cuts 住建委 into
 * 住/建委, so the press officer's hot keywords said 建委; the reaction segmenter adds these whole.
 */
export const AGENCY_WORDS: readonly string[] = [
  '住建委', '住建局', '住建厅', '住建部', '住房和城乡建设委员会', '住房和城乡建设局', '住房和城乡建设厅', '住房城乡建设部',
  '自然资源局', '自然资源厅', '自然资源部', '自然资源和规划局', '规划和自然资源局', '规自局',
  '公共资源交易中心', '公共资源交易服务中心', '交易中心', '住房保障中心', '房管局', '不动产登记中心',
  '财政局', '发改委', '人社局', '市场监管局', '生态环境局', '政务服务中心', '政数局', '城管局', '街道办',
];

/**
 * Names residents and agencies write for the same thing: a formal name (公共租赁住房) and its short
 * forms (公租房). Search indexes a disclosure under every name of a group it mentions, so either
 * finds it, and a keyword subscription to 公租房 hears of 公共租赁住房 items.
 */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['公共租赁住房', '公租房'],
  ['廉租住房', '廉租房'],
  ['经济适用住房', '经济适用房', '经适房'],
  ['共有产权住房', '共有产权房'],
  ['保障性住房', '保障房'],
  ['保障性租赁住房', '保租房'],
  ['限价商品住房', '限价商品房', '限价房'],
  ['棚户区改造', '棚改'],
  ['招标投标', '招投标'],
  ['失信被执行人', '老赖'],
];
