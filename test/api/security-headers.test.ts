import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { loadConfig } from '../../core/config.ts';
import { createServices } from '../../core/services.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';
import { testApp } from '../helpers/registry.ts';
import { testReadModel } from '../helpers/read-model.ts';

const db = await connectTestDb('security_headers');
const ALLOWED = 'https://www.bjhd.gov.cn';
const OTHER = 'https://evil.example.com';

function app(corsOrigins?: string[]) {
  const { logger } = captureLogs();
  const callback = testApp({ logger, db, services: createServices(db, { readModel: testReadModel(), logger }) }, { corsOrigins }).callback();
  return () => request(callback);
}
const http = app([ALLOWED, 'http://localhost:5173']);
const noCors = app();

/** Headers that only mean something to an HTML document: pages carry them, data does not. */
const DOCUMENT_ONLY = ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];

const directivesOf = (csp: string) => Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));

describe('security headers', () => {
  it.each([
    ['a JSON list', '/api/v1/disclosures', 200],
    ['a feed', '/feeds/rss.xml', 200],
    ['the OpenAPI document', '/openapi.json', 200],
    ['a 400', '/api/v1/disclosures?region=abc', 400],
    ['a 404', '/nowhere', 404],
    ['a 401', '/api/v1/agency/disclosures', 401],
  ])('on %s: nothing may run, load or frame it', async (_label, path, status) => {
    const res = await http().get(path);
    expect(res.status).toBe(status);
    const csp = res.headers['content-security-policy']!;
    expect(directivesOf(csp)).toEqual({ 'default-src': "'none'", 'frame-ancestors': "'none'" });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['x-powered-by']).toBeUndefined();
    for (const name of DOCUMENT_ONLY) expect(res.headers[name], name).toBeUndefined();
  });

  it.each([
    ['the sign-in page', '/press/login', 200],
    ['a page that needs a session (sent to sign in)', '/press', 303],
    ['a missing page', '/press/nowhere', 303],
    ['the stylesheet', '/press/assets/press.css', 200],
  ])('on %s: the document set, with the pages\' own CSP and same-origin resources', async (_label, path, status) => {
    const res = await http().get(path);
    expect(res.status).toBe(status);
    const directives = directivesOf(res.headers['content-security-policy']!);
    expect(directives['default-src']).toBe("'none'");
    expect(directives['style-src']).toBe("'self'");
    expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['origin-agent-cluster']).toBe('?1');
  });
});

describe('CORS', () => {
  it('answers a configured origin with its own origin, never * and never credentials', async () => {
    const res = await http().get('/api/v1/disclosures').set('Origin', ALLOWED);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['access-control-expose-headers']).toContain('ETag');
    expect(res.headers.vary).toMatch(/Origin/);
  });

  it('gives other origins, and requests without Origin, no CORS headers', async () => {
    for (const origin of [OTHER, `${ALLOWED}.evil.example.com`, 'null', ALLOWED.replace('https', 'http')]) {
      const res = await http().get('/api/v1/disclosures').set('Origin', origin);
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    const plain = await http().get('/api/v1/disclosures');
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the CORS headers on error responses, so the page can read the error', async () => {
    const res = await http().get('/api/v1/disclosures?limit=0').set('Origin', ALLOWED);
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('answers a preflight from a configured origin with the methods and headers allowed', async () => {
    const res = await http()
      .options('/api/v1/disclosures')
      .set('Origin', ALLOWED)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization, content-type, idempotency-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    expect(res.headers['access-control-allow-headers']!.toLowerCase().split(',')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'idempotency-key']),
    );
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers a preflight from another origin without any CORS header', async () => {
    const res = await http()
      .options('/api/v1/disclosures')
      .set('Origin', OTHER)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
  });

  it('adds no CORS headers at all when no origin is configured', async () => {
    const res = await noCors().get('/api/v1/disclosures').set('Origin', ALLOWED);
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await noCors().options('/api/v1/disclosures').set('Origin', ALLOWED).set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ORIGINS', () => {
  it('reads a comma-separated list of origins; unset or empty means none', () => {
    expect(loadConfig({ CORS_ORIGINS: ` ${ALLOWED}, http://localhost:5173 ,` }).http.corsOrigins).toEqual([ALLOWED, 'http://localhost:5173']);
    expect(loadConfig({}).http.corsOrigins).toEqual([]);
    expect(loadConfig({ CORS_ORIGINS: '' }).http.corsOrigins).toEqual([]);
  });

  it.each(['*', `${ALLOWED}/`, `${ALLOWED}/path`, 'www.bjhd.gov.cn', 'ftp://files.example.com', `${ALLOWED},*`])(
    'refuses %s, naming the variable',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/^CORS_ORIGINS must be comma-separated origins/);
    },
  );
});
