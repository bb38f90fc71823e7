/** Picker options built from the catalogue: index 0 is always “all”. */
import type { Catalogue } from '../services/types';

export interface Options {
  names: string[];
  codes: string[];
}

export function fieldOptions(catalogue: Catalogue | undefined): Options {
  const fields = catalogue ? catalogue.fields : [];
  return { names: ['全部领域', ...fields.map((f) => f.name)], codes: ['', ...fields.map((f) => f.code)] };
}

export function itemTypeOptions(catalogue: Catalogue | undefined, fieldCode: string): Options {
  const field = catalogue && fieldCode ? catalogue.fields.find((f) => f.code === fieldCode) : undefined;
  const types = field ? field.itemTypes : [];
  return { names: ['全部事项', ...types.map((t) => t.name)], codes: ['', ...types.map((t) => t.code)] };
}

/** The index a picker reports (a string or a number, depending on the base library). */
export function pickedIndex(value: unknown, length: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n < length ? n : 0;
}
