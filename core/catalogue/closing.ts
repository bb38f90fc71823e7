import { findItemType } from './index.ts';

/** A public item's closing: when, what closes, and whether it is a whole day (a `date`) or a moment. */
export interface Closing {
  at: Date;
  label: string;
  allDay: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** The value at a dotted path, or undefined when a step is missing or not an object (a withheld key is its notice string). */
function valueAt(content: Record<string, unknown>, path: string): unknown {
  let value: unknown = content;
  for (const key of path.split('.')) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** A `date` closes at the end of its day in China; a `dateTime` without an offset is Beijing time. */
export function closingInstant(value: unknown): { at: Date; allDay: boolean } | undefined {
  if (typeof value !== 'string') return undefined;
  if (DATE.test(value)) return { at: new Date(`${value}T23:59:59.999+08:00`), allDay: true };
  const m = DATE_TIME.exec(value);
  if (!m) return undefined;
  const at = new Date(m[1] ? value : `${value}+08:00`);
  return Number.isNaN(at.getTime()) ? undefined : { at, allDay: false };
}

/**
 * The item's public closing date (ItemType.closing), from its PUBLIC content only: a withheld key
 * holds its notice, so it gives no closing and the next declared one, if any, is taken.
 */
export function closingOf(field: string, itemType: string, publicContent: Record<string, unknown>): Closing | undefined {
  for (const { path, label } of findItemType(field, itemType)?.itemType.closing ?? []) {
    const found = closingInstant(valueAt(publicContent, path));
    if (found) return { ...found, label };
  }
  return undefined;
}
