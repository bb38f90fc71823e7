/** Input rules, the same as the backend's (core/subscriptions/subscriptions.ts). */

export const APPLICATION_NUMBER = /^[A-Za-z0-9-]{1,40}$/;
export const REGION_CODE = /^\d{6}$/;

/** The message for an application number (申请编号), or '' when it is valid. */
export function applicationNumberError(value: string): string {
  if (!value) return '请输入申请编号';
  if (value.length > 40) return '申请编号最多 40 个字符';
  if (!APPLICATION_NUMBER.test(value)) return '申请编号只能包含字母、数字和 -';
  return '';
}

/** The message for a region code (行政区划代码), or '' when it is empty or valid. */
export function regionError(value: string): string {
  if (!value) return '';
  return REGION_CODE.test(value) ? '' : '行政区划代码为 6 位数字，如 110105';
}
