import { regionPrefix } from '../disclosures/create.ts';
import type { PublicFilter } from './types.ts';

/** The first and last millisecond of a filter's publication days (China time), when given. */
export function dayRange(filter: Pick<PublicFilter, 'from' | 'to'>): { from?: number; to?: number } {
  return {
    ...(filter.from ? { from: Date.parse(`${filter.from}T00:00:00+08:00`) } : {}),
    ...(filter.to ? { to: Date.parse(`${filter.to}T23:59:59.999+08:00`) } : {}),
  };
}

export type RegionLevel = 'province' | 'city' | 'region';

/** Which column a region filter matches (its prefix length), and the level facets count below it. */
export function regionFilter(region: string | undefined): { level?: RegionLevel; prefix?: string; facetLength: 2 | 4 | 6 } {
  if (!region) return { facetLength: 2 };
  const prefix = regionPrefix(region);
  if (prefix.length <= 2) return { level: 'province', prefix, facetLength: 4 };
  if (prefix.length <= 4) return { level: 'city', prefix, facetLength: 6 };
  return { level: 'region', prefix, facetLength: 6 };
}

/** A facet's region value as a 6-digit code: 11 → 110000, 1101 → 110100. */
export const regionCodeOf = (prefix: string) => prefix.padEnd(6, '0');
