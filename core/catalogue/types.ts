import type { z } from 'zod';

/** Stable field codes (国办发〔2017〕97号 six fields, plus the blacklist). */
export const FIELD_CODES = ['housing', 'land', 'mining', 'procurement', 'state-assets', 'bidding', 'blacklist'] as const;
export type FieldCode = (typeof FIELD_CODES)[number];

/**
 * 行政许可 and 行政处罚 decisions are due within 7 working days; everything else within 20
 * (政府信息公开条例 and 国办发〔2017〕97号).
 */
export type DecisionKind = 'license' | 'penalty';

/** One kind of item an agency publishes, with the structured content it requires. */
export interface ItemType {
  /** Stable identifier, kebab-case English, unique within its field (e.g. `allocation-result`). */
  readonly code: string;
  /** Display name in Simplified Chinese (e.g. 分配结果). */
  readonly name: string;
  /** One sentence in Chinese on what the item is, for form builders. */
  readonly description: string;
  /** Set when items of this type are 行政许可/行政处罚 decisions (7-working-day deadline). */
  readonly decision?: DecisionKind;
  /**
   * zod schema of `content`: a strict object (unknown keys rejected), every key described
   * with `.describe('中文名')`, no arrays of arrays (FerretDB), no keys with `.` or `$`.
   */
  readonly content: z.ZodObject;
  /**
   * The application numbers (申请编号) a published item of this type names, so that a resident
   * following their own application is notified. Only allocation results list them.
   */
  readonly applicationNumbers?: (content: Record<string, unknown>) => string[];
  /**
   * Its public closing dates, in order of preference: the first one whose value is public is the
   * item's (a land notice without a 挂牌截止 time closes with its application period).
   */
  readonly closing?: readonly ClosingDate[];
}

/**
 * A public closing date in an item's content: the day or moment by which a resident or bidder
 * must act (a 公示期 ends, an application period or a submission deadline closes).
 */
export interface ClosingDate {
  /** A dotted content path to a `date` (closes at the end of that day, China time) or a `dateTime`. */
  readonly path: string;
  /** What closes, in Chinese (e.g. 公示期截止). */
  readonly label: string;
}

export interface Field {
  readonly code: FieldCode;
  /** Display name in Simplified Chinese (e.g. 住房保障). */
  readonly name: string;
  readonly itemTypes: readonly ItemType[];
}
