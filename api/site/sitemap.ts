import type { SitemapEntry } from '../../core/read-model/types.ts';
import { escapeHtml } from '../render/html.ts';

/** Under the protocol's 50,000 URLs and 50 MB per file, with room. */
export const SITEMAP_PAGE = 10_000;
const STATIC_PATHS = ['/', '/disclosures', '/blacklist', '/subscribe'];

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;

/** The index: the site's own pages, then one file per SITEMAP_PAGE items. */
export function sitemapIndex(baseUrl: string, publicItems: number): string {
  const pages = Math.max(1, Math.ceil(publicItems / SITEMAP_PAGE));
  const files = ['pages', ...Array.from({ length: pages }, (_, i) => `disclosures-${i + 1}`)];
  return xml(`<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${files.map((f) => `<sitemap><loc>${escapeHtml(`${baseUrl}/sitemaps/${f}.xml`)}</loc></sitemap>`).join('\n')}
</sitemapindex>`);
}

export function pagesSitemap(baseUrl: string, agencyCodes: readonly string[]): string {
  const paths = [...STATIC_PATHS, ...agencyCodes.map((c) => `/agencies/${encodeURIComponent(c)}`)];
  return xml(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${paths.map((p) => `<url><loc>${escapeHtml(baseUrl + p)}</loc></url>`).join('\n')}
</urlset>`);
}

export function disclosuresSitemap(baseUrl: string, entries: readonly SitemapEntry[]): string {
  return xml(`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${entries.map((e) => `<url><loc>${escapeHtml(`${baseUrl}/disclosures/${e.id}`)}</loc><lastmod>${e.changedAt.toISOString()}</lastmod></url>`).join('\n')}
</urlset>`);
}
