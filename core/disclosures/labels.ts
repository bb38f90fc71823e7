import { catalogueDocument } from '../catalogue/index.ts';

/** The Chinese label of each content key, from the catalogue's JSON Schema (its .describe()). */
export function contentLabels(field: string, itemType: string): Record<string, string> {
  const type = catalogueDocument()
    .fields.find((f) => f.code === field)
    ?.itemTypes.find((t) => t.code === itemType);
  const properties = (type?.contentSchema.properties ?? {}) as Record<string, { description?: string }>;
  return Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.description ?? key]));
}

/**
 * Public content as label/text lines for plain-text and HTML channels. Lists are summarised,
 * not dumped: the full structure is in the API.
 */
export function contentLines(field: string, itemType: string, content: Record<string, unknown>) {
  const labels = contentLabels(field, itemType);
  return Object.entries(content)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value]) => ({ label: labels[key] ?? key, text: describeValue(value) }));
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `共 ${value.length} 项`;
  if (value && typeof value === 'object') {
    return Object.values(value)
      .filter((v) => typeof v === 'string' || typeof v === 'number')
      .join('，');
  }
  return String(value);
}
