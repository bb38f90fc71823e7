/**
 * Staff alerts: short notices to the agency's press officers on duty (a WeCom or DingTalk group
 * robot, or an official-account template message to one officer). Like the delivery channels,
 * the senders only translate: no database, no configuration reading; they get their credentials
 * through their factory and say what went wrong as a StaffAlertError.
 */

export const STAFF_ALERT_KINDS = ['wecom-robot', 'dingtalk-robot', 'wechat-oa-staff'] as const;
export type StaffAlertKind = (typeof STAFF_ALERT_KINDS)[number];

/** What a notice says, already in Simplified Chinese, with nothing withheld or secret in it. */
export interface StaffAlertMessage {
  /** The (event, target) key: the same notice always carries it (OA client_msg_id). */
  key: string;
  /** 舆情预警 / 回应时限将到 / 巡检提醒. */
  event: string;
  /** One line: what happened. */
  title: string;
  agencyName: string;
  /** A few lines of detail (counts, deadlines); never reaction text or withheld content. */
  lines: string[];
  /** Where to act: the /press page (on PUBLIC_BASE_URL). */
  url: string;
  at: Date;
}

export interface StaffAlertSender {
  readonly kind: StaffAlertKind;
  send(message: StaffAlertMessage): Promise<{ externalId?: string }>;
}

/**
 * - `retry`: transient or a rate limit (back off, `retryAfterMs` when the vendor says how long);
 * - `fail`: the configuration is wrong (unknown key, signature, keyword, IP): retrying cannot help.
 */
export class StaffAlertError extends Error {
  override name = 'StaffAlertError';
  constructor(
    readonly kind: StaffAlertKind,
    /** The vendor's errcode, or `http-<status>`, `timeout`, `network`, `bad-response`. */
    readonly code: string,
    message: string,
    readonly action: 'retry' | 'fail',
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
