import { z } from 'zod';
import type { RouteSpec } from './route-spec.ts';
import { CSRF_HEADER, STAFF_COOKIE } from './staff/staff-session.ts';

const SAFE_METHODS = new Set(['get', 'head', 'options']);

const csrfParameter = {
  name: CSRF_HEADER,
  in: 'header',
  required: false,
  description: 'Required with the staff session cookie (the csrfToken of the sign-in answer or GET /api/v1/staff/me); not used with an API key.',
  schema: { type: 'string' },
};

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        fields: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        requestId: { type: 'string' },
      },
    },
  },
};

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path') {
  if (!schema) return [];
  const json = jsonSchema(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    description: property.description,
    schema: property,
  }));
}

/** OpenAPI 3.1 built from the same route specs and zod schemas that serve the requests. */
export function openApiDocument(specs: RouteSpec[], baseUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const responses = Object.fromEntries(
      Object.entries({
        ...spec.responses,
        ...(spec.auth ? { 401: 'missing or invalid API key', 403: 'role or agency not allowed' } : {}),
        ...(spec.resident ? { 401: 'not signed in, or the session expired' } : {}),
      }).map(
        ([status, description]) => [
          status,
          Number(status) >= 400
            ? { description, content: { 'application/json': { schema: errorSchema } } }
            : { description, content: Object.fromEntries((spec.produces ?? ['application/json']).map((t) => [t, {}])) },
        ],
      ),
    );
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      // The console signs in once and sends its cookie instead of a key: same roles, same scoping.
      ...(spec.auth ? { security: [{ apiKey: [] }, { staffSession: [] }], 'x-roles': spec.auth } : {}),
      ...(spec.resident ? { security: [{ residentSession: [] }] } : {}),
      parameters: [
        ...parameters(spec.params, 'path'),
        ...parameters(spec.query, 'query'),
        ...Object.entries(spec.headers ?? {}).map(([name, description]) => ({ name, in: 'header', required: false, description, schema: { type: 'string' } })),
        ...(spec.auth && !SAFE_METHODS.has(spec.method) ? [csrfParameter] : []),
      ],
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } } : {}),
      ...(spec.rawBody
        ? { requestBody: { required: true, description: spec.rawBody.description, content: Object.fromEntries(spec.rawBody.types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'gongkai 公开 API',
      version: '1',
      description: '公共资源配置领域政府信息公开：发布一次，全渠道送达。Content schemas per item type: GET /api/v1/catalogue.',
    },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'gk_… API key from `npx gongkai key create`' },
        residentSession: { type: 'http', scheme: 'bearer', description: 'ms1.… session from POST /api/v1/mp/login' },
        staffSession: {
          type: 'apiKey',
          in: 'cookie',
          name: STAFF_COOKIE,
          description: `The console's session from POST /api/v1/staff/sign-in (HttpOnly, SameSite=Strict). Requests that change something also send its csrfToken as ${CSRF_HEADER}.`,
        },
      },
    },
    paths,
  };
}
