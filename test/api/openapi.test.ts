import { describe, expect, it } from 'vitest';
import { FIELD_CODES } from '../../core/catalogue/types.ts';
import { BASE_URL, registryApp } from '../helpers/registry.ts';

const { http } = await registryApp('openapi');

/** Every route the app serves, as OpenAPI method + path. */
const ROUTES = [
  ['get', '/healthz'],
  ['get', '/readyz'],
  ['get', '/api/v1/catalogue'],
  ['get', '/api/v1/disclosures'],
  ['get', '/api/v1/agencies'],
  ['post', '/api/v1/disclosures'],
  ['get', '/api/v1/disclosures/{id}'],
  ['post', '/api/v1/disclosures/{id}/publish'],
  ['post', '/api/v1/disclosures/{id}/revisions'],
  ['post', '/api/v1/disclosures/{id}/withdraw'],
  ['get', '/api/v1/disclosures/{id}/deliveries'],
  ['post', '/api/v1/disclosures/{id}/deliveries/retry'],
  ['post', '/api/v1/channel-accounts'],
  ['get', '/api/v1/channel-accounts/{channel}/{id}'],
  ['get', '/api/v1/disclosures/{id}/responses'],
  ['post', '/api/v1/opinion/tasks/{id}/respond'],
  ['get', '/api/v1/agency/disclosures'],
  ['get', '/api/v1/agency/disclosures/{id}'],
  ['get', '/api/v1/agency/disclosures/{id}/public-links'],
  ['get', '/feeds/rss.xml'],
  ['get', '/feeds/atom.xml'],
  ['get', '/feeds/feed.json'],
  ['get', '/api/v1/reports/annual'],
  ['get', '/api/v1/compliance/pending'],
  ['get', '/openapi.json'],
  ['get', '/api/v1/agency/reviews'],
  ['post', '/api/v1/disclosures/{id}/approve'],
  ['post', '/api/v1/disclosures/{id}/reject'],
  ['get', '/api/v1/audit'],
  ['get', '/api/v1/reactions'],
  ['post', '/api/v1/reactions'],
  ['post', '/api/v1/reactions/import'],
  ['get', '/api/v1/opinion/keywords'],
  ['get', '/api/v1/opinion/alerts'],
  ['get', '/api/v1/opinion/alerts/{id}'],
  ['post', '/api/v1/opinion/alerts/{id}/acknowledge'],
  ['get', '/api/v1/opinion/tasks/{id}'],
  ['post', '/api/v1/opinion/tasks/{id}/dismiss'],
  ['post', '/api/v1/opinion/alerts/{id}/dismiss'],
  ['post', '/api/v1/opinion/alerts/{id}/task'],
  ['get', '/api/v1/opinion/tasks'],
  ['post', '/api/v1/opinion/tasks'],
  ['post', '/api/v1/opinion/tasks/{id}/acknowledge'],
  ['post', '/api/v1/opinion/tasks/{id}/close'],
  ['get', '/api/v1/opinion/escalations'],
  ['get', '/api/v1/opinion/watchdog'],
  ['post', '/api/v1/opinion/reactions/{id}/answered'],
  ['get', '/api/v1/opinion/settings'],
  ['put', '/api/v1/opinion/settings'],
  ['get', '/api/v1/requests/decisions'],
  ['post', '/api/v1/requests'],
  ['get', '/api/v1/requests/{id}/status'],
  ['get', '/api/v1/agency/requests'],
  ['post', '/api/v1/agency/requests'],
  ['get', '/api/v1/agency/requests/{id}'],
  ...(['receive', 'assign', 'correction', 'corrected', 'consultation', 'consultation/end', 'extend', 'reply', 'abandon', 'publish'] as const).map(
    (action) => ['post', `/api/v1/agency/requests/{id}/${action}`] as const,
  ),
  ['post', '/api/v1/staff/sign-in'],
  ['get', '/api/v1/staff/me'],
  ['post', '/api/v1/staff/sign-out'],
  ['get', '/api/v1/staff'],
  ['post', '/api/v1/staff'],
  ['post', '/api/v1/staff/{username}/disable'],
  ['post', '/api/v1/staff/{username}/reset'],
  ['post', '/api/v1/disclosures/{id}/preview'],
  ['get', '/api/v1/due-date'],
  ['get', '/api/v1/keys'],
  ['post', '/api/v1/keys'],
  ['post', '/api/v1/keys/{keyId}/revoke'],
  ['get', '/api/v1/agency/settings'],
  ['put', '/api/v1/agency/settings'],
  ['get', '/api/v1/calendar'],
  ['get', '/api/v1/channel-accounts'],
  ['post', '/api/v1/attachments'],
  ['get', '/attachments/{sha256}/{name}'],
  ['post', '/api/v1/staff-alerts/targets'],
  ['get', '/api/v1/staff-alerts/targets'],
  ['get', '/api/v1/staff-alerts/targets/{kind}/{id}'],
  ['get', '/api/v1/staff-alerts/notifications'],
] as const;
/** Keyless writes: submitting an information request, signing in to the console. */
const PUBLIC_WRITES = new Set(['/api/v1/requests', '/api/v1/staff/sign-in']);
const KEYED = ROUTES.filter(
  ([method, path]) =>
    (method !== 'get' && !PUBLIC_WRITES.has(path)) ||
    (!PUBLIC_WRITES.has(path) && /^\/api\/v1\/(agency|reports|compliance|opinion|reactions|audit|staff|staff-alerts|due-date|channel-accounts|keys|calendar)(\/|$)|\/deliveries$/.test(path)),
);

interface Parameter { name: string; in: string; required: boolean; description?: string; schema: Record<string, unknown> }
interface Operation {
  summary: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
}
interface JsonSchema { type?: string; required?: string[]; additionalProperties?: unknown; properties?: Record<string, JsonSchema>; items?: JsonSchema; description?: string }
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  servers: { url: string }[];
  components: { securitySchemes: Record<string, Record<string, string>> };
  paths: Record<string, Record<string, Operation>>;
}

const res = await http().get('/openapi.json');
const doc = res.body as OpenApi;
const op = (method: string, path: string) => doc.paths[path]?.[method] as Operation;

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1.0 JSON document naming the public base URL', () => {
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(doc.servers).toEqual([{ url: BASE_URL }]);
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('documents exactly the routes the app serves', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(documented.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
  });

  it.each(ROUTES)('the router really serves %s %s (401 without a key where security is declared)', async (method, path) => {
    const url = path.replace('{id}', '0123456789abcdef01234567');
    const answer = await (method === 'get' ? http().get(url) : http()[method](url).send({}));
    expect(answer.status).not.toBe(405);
    expect(answer.body?.error?.message ?? '').not.toMatch(/^no route for/);
    if (op(method, path)?.security) expect(answer.status).toBe(401);
  });

  it('gives every operation a summary, a tag and at least one response', () => {
    for (const [method, path] of ROUTES) {
      expect(op(method, path).summary, `${method} ${path}`).toMatch(/\S/);
      expect(op(method, path).tags).toHaveLength(1);
      expect(Object.keys(op(method, path).responses).length).toBeGreaterThan(0);
    }
  });

  it('declares bearer keys or the console’s cookie session, with 401 and 403, on every agency route, and none on public ones', () => {
    expect(doc.components.securitySchemes.staffSession).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'gk_staff' });
    for (const [method, path] of ROUTES) {
      const operation = op(method, path);
      if (KEYED.some(([m, p]) => m === method && p === path)) {
        expect(operation.security, `${method} ${path}`).toEqual([{ apiKey: [] }, { staffSession: [] }]);
        // A cookie alone never changes anything: unsafe methods name the CSRF header they need with it.
        const csrf = (operation as { parameters?: { name: string; in: string }[] }).parameters?.some((p) => p.in === 'header' && p.name === 'X-CSRF-Token');
        expect(csrf, `${method} ${path}`).toBe(method !== 'get');
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      } else {
        expect(operation.security, `${method} ${path}`).toBeUndefined();
      }
    }
    expect(KEYED).toHaveLength(71);
  });

  it('declares the {id} path parameter as required wherever the path has one', () => {
    for (const [method, path] of ROUTES.filter(([, p]) => p.includes('{id}') && !p.includes('{channel}') && !p.includes('{kind}'))) {
      expect(op(method, path).parameters.filter((p) => p.in === 'path')).toEqual([
        expect.objectContaining({ name: 'id', required: true, schema: expect.objectContaining({ type: 'string' }) }),
      ]);
    }
  });

  it('declares both path parameters of a channel account as required', () => {
    expect(op('get', '/api/v1/channel-accounts/{channel}/{id}').parameters.filter((p) => p.in === 'path').map((p) => [p.name, p.required])).toEqual([
      ['channel', true],
      ['id', true],
    ]);
  });

  it('gives POST /api/v1/disclosures a strict JSON request body schema', () => {
    const body = op('post', '/api/v1/disclosures').requestBody!;
    expect(body.required).toBe(true);
    const schema = body.content['application/json']!.schema;
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(expect.arrayContaining(['field', 'itemType', 'title', 'region', 'formedAt', 'basis', 'content']));
    expect(schema.required).not.toContain('attachments');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties?.field).toMatchObject({ enum: [...FIELD_CODES] });
    expect(op('post', '/api/v1/disclosures').parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: false })]),
    );
    expect(op('post', '/api/v1/disclosures/{id}/revisions').requestBody!.content['application/json']!.schema.additionalProperties).toBe(false);
  });

  it('describes the list route’s query parameters, region and q included', () => {
    const params = op('get', '/api/v1/disclosures').parameters;
    expect(params.every((p) => p.in === 'query' && p.required === false)).toBe(true);
    for (const name of ['region', 'q', 'field', 'agency', 'from', 'to', 'cursor', 'limit', 'sort', 'facets']) {
      const param = params.find((p) => p.name === name);
      expect(param?.description, name).toMatch(/\S/);
    }
    expect(params.find((p) => p.name === 'region')!.description).toContain('110000');
    expect(params.find((p) => p.name === 'sort')!.schema).toMatchObject({ enum: ['date', 'relevance'] });
    expect(params.find((p) => p.name === 'facets')!.schema).toMatchObject({ enum: expect.arrayContaining(['true', 'false']) });
    expect(op('get', '/feeds/rss.xml').parameters.map((p) => p.name)).not.toEqual(expect.arrayContaining(['limit']));
    expect(op('get', '/api/v1/reports/annual').parameters.find((p) => p.name === 'year')).toMatchObject({ required: true });
  });

  it('names the media types of feeds and the CSV report', () => {
    expect(Object.keys(op('get', '/feeds/rss.xml').responses['200']!.content!)).toEqual(['application/rss+xml']);
    expect(Object.keys(op('get', '/feeds/atom.xml').responses['200']!.content!)).toEqual(['application/atom+xml']);
    expect(Object.keys(op('get', '/feeds/feed.json').responses['200']!.content!)).toEqual(['application/feed+json']);
    expect(Object.keys(op('get', '/api/v1/reports/annual').responses['200']!.content!)).toEqual(['application/json', 'text/csv']);
    expect(op('get', '/feeds/rss.xml').responses).toHaveProperty('304');
  });
});

describe('GET /api/v1/catalogue', () => {
  it('lists all 7 fields with item types and a content JSON Schema for each', async () => {
    const catalogue = await http().get('/api/v1/catalogue');
    expect(catalogue.status).toBe(200);
    const fields = catalogue.body.fields as { code: string; name: string; itemTypes: { code: string; name: string; dueWorkingDays: number; contentSchema: JsonSchema }[] }[];
    expect(fields.map((f) => f.code)).toEqual([...FIELD_CODES]);
    expect(fields.find((f) => f.code === 'housing')!.name).toBe('住房保障');
    for (const field of fields) {
      expect(field.itemTypes.length, field.code).toBeGreaterThan(0);
      for (const type of field.itemTypes) {
        expect(type.name, `${field.code}/${type.code}`).toMatch(/\S/);
        expect([7, 20]).toContain(type.dueWorkingDays);
        expect(type.contentSchema).toMatchObject({ type: 'object', additionalProperties: false });
      }
    }
    const result = fields.find((f) => f.code === 'housing')!.itemTypes.find((t) => t.code === 'allocation-result')!;
    expect(result).toMatchObject({ name: '分配结果', dueWorkingDays: 20 });
    expect(result.contentSchema.required).toEqual(expect.arrayContaining(['projectName', 'drawDate', 'results']));
    expect(result.contentSchema.properties?.results).toMatchObject({ type: 'array', description: '分配结果' });
    expect(result.contentSchema.properties?.results?.items?.properties).toHaveProperty('applicationNumber');
  });
});
