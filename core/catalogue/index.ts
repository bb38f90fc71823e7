import { z } from 'zod';
import { bidding } from './bidding.ts';
import { blacklist } from './blacklist.ts';
import { housing } from './housing.ts';
import { land } from './land.ts';
import { mining } from './mining.ts';
import { procurement } from './procurement.ts';
import { responseItemType } from './response.ts';
import { requestResultItemType } from './request-result.ts';
import { stateAssets } from './state-assets.ts';
import type { DecisionKind, Field, ItemType } from './types.ts';

export type { DecisionKind, Field, FieldCode, ItemType } from './types.ts';
export { FIELD_CODES } from './types.ts';
export { RESPONSE_ITEM_TYPE } from './response.ts';
export { REQUEST_RESULT_ITEM_TYPE } from './request-result.ts';

/** Working days to publish after the decision or the information is made (see DecisionKind). */
export const DECISION_DUE_WORKING_DAYS = 7;
export const DEFAULT_DUE_WORKING_DAYS = 20;

/** Every field also takes 回应 items (answers to public opinion on the field's disclosures) and 依申请公开结果. */
export const catalogue: readonly Field[] = [housing, land, mining, procurement, stateAssets, bidding, blacklist].map((field) => ({
  ...field,
  itemTypes: [...field.itemTypes, responseItemType, requestResultItemType],
}));

const index = new Map<string, { field: Field; itemType: ItemType }>(
  catalogue.flatMap((field) => field.itemTypes.map((itemType) => [`${field.code}/${itemType.code}`, { field, itemType }] as const)),
);

export function findItemType(field: string, itemType: string): { field: Field; itemType: ItemType } | undefined {
  return index.get(`${field}/${itemType}`);
}

export function dueWorkingDays(itemType: ItemType): number {
  return itemType.decision ? DECISION_DUE_WORKING_DAYS : DEFAULT_DUE_WORKING_DAYS;
}

export interface CatalogueDocument {
  fields: {
    code: string;
    name: string;
    itemTypes: {
      code: string;
      name: string;
      description: string;
      decision?: DecisionKind;
      dueWorkingDays: number;
      contentSchema: Record<string, unknown>;
    }[];
  }[];
}

let document: CatalogueDocument | undefined;

/**
 * The public description of the catalogue. Built once and frozen: it is served on every GET
 * and the same object is shared between requests.
 */
export function catalogueDocument(): CatalogueDocument {
  document ??= deepFreeze({
    fields: catalogue.map((field) => ({
      code: field.code,
      name: field.name,
      itemTypes: field.itemTypes.map((t) => ({
        code: t.code,
        name: t.name,
        description: t.description,
        ...(t.decision ? { decision: t.decision } : {}),
        dueWorkingDays: dueWorkingDays(t),
        contentSchema: z.toJSONSchema(t.content) as Record<string, unknown>,
      })),
    })),
  });
  return document;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
