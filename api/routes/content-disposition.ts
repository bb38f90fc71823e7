/**
 * `Content-Disposition: attachment` with the name twice (RFC 6266): `filename*` in UTF-8 as RFC
 * 8187 (formerly 5987) encodes it, which every current browser uses for a Chinese name, and a
 * plain `filename` of the name's ASCII letters for clients that know only that.
 */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
