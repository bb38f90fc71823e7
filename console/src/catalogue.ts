import { api } from './api.ts';

/** JSON Schema as the catalogue gives it (zod's toJSONSchema, draft 2020-12). */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: string[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  anyOf?: JsonSchema[];
}

export interface ItemType {
  code: string;
  name: string;
  description?: string;
  dueWorkingDays: number;
  contentSchema: JsonSchema;
}
export interface Field {
  code: string;
  name: string;
  itemTypes: ItemType[];
}

let loaded: Promise<Field[]> | undefined;
/** GET /api/v1/catalogue, once per page load. */
export const catalogue = () => (loaded ??= api<{ fields: Field[] }>('GET', '/api/v1/catalogue').then((c) => c.fields));

/**
 * A field's label and its enum values' names from the schema's description:
 * `结果（allocated 已分配／waiting 轮候／rejected 未通过）` → 结果, {allocated: 已分配, …}.
 */
export function labelOf(schema: JsonSchema, fallback: string): { label: string; options: Record<string, string> } {
  const text = schema.description ?? fallback;
  const options: Record<string, string> = {};
  const match = /^(.*?)（(.*)）$/.exec(text);
  if (schema.enum && match) {
    for (const part of match[2]!.split(/[／/]/)) {
      const [code, ...name] = part.trim().split(/\s+/);
      if (code && schema.enum.includes(code)) options[code] = name.join(' ') || code;
    }
    return { label: match[1]!, options };
  }
  return { label: text, options };
}
