import http from 'node:http';
import fc from 'fast-check';
import type { Role } from '../../core/models/api-key.model.ts';
import { applyMutation, mutation, oddStrings, valueFor, type JsonSchema, type Mutation } from './fuzz-values.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}

/** One operation of /openapi.json, with what the fuzzer needs to call it. */
export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
  /** Roles for agency endpoints; 'resident' for mini-program sessions; undefined: public. */
  security?: { kind: 'key'; roles: Role[] } | { kind: 'resident' };
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, unknown>[];
  'x-roles'?: Role[];
}

export function operationsOf(document: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      parameters: op.parameters ?? [],
      body: op.requestBody?.content?.['application/json']?.schema,
      security: op['x-roles']
        ? { kind: 'key' as const, roles: op['x-roles'] }
        : op.security?.some((s) => 'residentSession' in s)
          ? { kind: 'resident' as const }
          : undefined,
    })),
  );
}

/** Who the request claims to be; resolved to a header by the runner. */
export type CredentialChoice =
  | { kind: 'key'; agency: 'own' | 'other'; role: Role }
  | { kind: 'resident' }
  | { kind: 'none' }
  | { kind: 'bad'; header: string };

export interface FuzzRequest {
  method: string;
  path: string;
  /** Ids the path was built from, to check scoping afterwards. */
  pathIds: string[];
  query: string;
  credential: CredentialChoice;
  headers: Record<string, string>;
  body?: Buffer;
  /** How the body was made, for the report of a failing case. */
  bodyKind: string;
}

const ROLES: Role[] = ['admin', 'publisher', 'press'];

/** Percent-encodes UTF-8 bytes; unlike encodeURIComponent it accepts lone surrogates. */
function encode(value: unknown): string {
  return [...Buffer.from(String(value), 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** Header values must be printable ASCII or the client refuses to send them. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e]/g, '?');

function credentials(op: Operation, invalid: string[]): fc.Arbitrary<CredentialChoice> {
  const bad = fc.oneof(
    fc.constantFrom(...invalid, 'Bearer', 'Bearer gk_', 'Basic Z2s6Z2s=', 'bearer  gk_zz', `Bearer gk_${'0'.repeat(16)}_${'0'.repeat(64)}`, 'Bearer ms1.x.y.z'),
    fc.string({ unit: fc.constantFrom(...'abcdefgk_0123456789.-'), maxLength: 100 }).map((s) => `Bearer ${s}`),
  ).map((header) => ({ kind: 'bad' as const, header }));
  const none = fc.constant({ kind: 'none' as const });
  const anyKey = fc.record({ kind: fc.constant('key' as const), agency: fc.constantFrom('own' as const, 'other' as const), role: fc.constantFrom(...ROLES) });
  if (op.security?.kind === 'key') {
    const allowed = fc.record({ kind: fc.constant('key' as const), agency: fc.constant('own' as const), role: fc.constantFrom(...op.security.roles) });
    return fc.oneof({ weight: 6, arbitrary: allowed }, { weight: 2, arbitrary: anyKey }, none, bad, fc.constant({ kind: 'resident' as const }));
  }
  if (op.security?.kind === 'resident') {
    return fc.oneof({ weight: 6, arbitrary: fc.constant({ kind: 'resident' as const }) }, none, bad, anyKey);
  }
  return fc.oneof({ weight: 6, arbitrary: none }, bad, anyKey);
}

/** A path segment: a real id, one shaped like the schema, or something odd, raw or encoded. */
function pathValue(param: Parameter, realIds: () => string[]): fc.Arbitrary<{ raw: string; id?: string }> {
  // Read at generation time: the pool grows with the ids that earlier requests created.
  const real = fc.nat().map((i) => {
    const ids = realIds();
    const id = ids[i % ids.length]!;
    return { raw: id, id };
  });
  return fc.oneof(
    { weight: 3, arbitrary: real },
    { weight: 2, arbitrary: valueFor(param.schema).map((v) => ({ raw: encode(v) })) },
    { weight: 2, arbitrary: oddStrings.map((s) => ({ raw: encode(s) })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom('..', '../..', '%zz', '%E0%A4%A', '%', 'a%2F..%2Fb', '.', ';', '%2e%2e', 'x'.repeat(10_000), '64' + 'f'.repeat(22), 'A'.repeat(24))
        .map((raw) => ({ raw })),
    },
  );
}

/** `k=v` pairs from the documented parameters; half the time plus repeats, extras and broken encodings. */
function queryString(params: Parameter[]): fc.Arbitrary<string> {
  const pair = (name: string, v: unknown) => `${name}=${encode(v)}`;
  const shaped = fc.tuple(...params.map((p) => fc.option(valueFor(p.schema).map((v) => [pair(p.name, v)]), { freq: 2 })));
  const hostile = fc.tuple(
    ...params.map((p) =>
      fc.option(
        fc.oneof(
          { weight: 3, arbitrary: valueFor(p.schema).map((v) => [pair(p.name, v)]) },
          fc.array(valueFor(p.schema), { minLength: 2, maxLength: 3 }).map((vs) => vs.map((v) => pair(p.name, v))),
          oddStrings.map((s) => [pair(p.name, s)]),
          fc.constantFrom(`${p.name}`, `${p.name}=`, `${p.name}[$ne]=1`, `${p.name}[]=a`, `${p.name}=%zz`, `${p.name}=${'9'.repeat(5000)}`).map((s) => [s]),
        ),
        { freq: 2 },
      ),
    ),
  );
  const extras = fc.array(fc.constantFrom('$where=1', 'a.b=1', 'extra=1', '__proto__=x', 'constructor[prototype]=1', '=x', '&&', '%00=%00', 'q=%F0%9F', 'cursor=%ff'), { maxLength: 2 });
  return fc
    .oneof(fc.tuple(shaped, fc.constant([])), fc.tuple(hostile, extras))
    .map(([pairs, extra]) => [...pairs.flatMap((p) => p ?? []), ...extra].join('&'));
}

const JSON_TYPES = ['application/json', 'application/json; charset=utf-8', 'application/vnd.api+json'];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=bogus',
  'application/octet-stream',
];

interface BodyChoice {
  bytes?: Buffer;
  contentType?: string;
  encoding?: string;
  kind: string;
}

function bodies(op: Operation, limitBytes: number, contentFor: (value: unknown) => fc.Arbitrary<unknown>): fc.Arbitrary<BodyChoice> {
  const shaped = valueFor(op.body ?? { type: 'object' }).chain(contentFor);
  const json = fc.tuple(shaped, mutation(limitBytes), fc.constantFrom(...JSON_TYPES)).map(([value, m, contentType]) => ({
    bytes: Buffer.from(JSON.stringify(applyMutation(value, m)) ?? 'null'),
    contentType,
    kind: `json/${mutationLabel(m)}`,
  }));
  const raw = fc.oneof(
    fc.constant({ bytes: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('"}')]), contentType: 'application/json', kind: 'invalid-utf8' }),
    fc.constant({ bytes: Buffer.from('{"title":'), contentType: 'application/json', kind: 'truncated' }),
    fc.constant({ bytes: Buffer.alloc(0), contentType: 'application/json', kind: 'empty' }),
    fc.constant({ bytes: Buffer.from('{"a":1}'), contentType: 'application/json', encoding: 'gzip', kind: 'false-gzip' }),
    fc.constant({ bytes: Buffer.from('{"a":1}'), contentType: 'application/json', encoding: 'bogus', kind: 'bogus-encoding' }),
    fc.constant({ bytes: Buffer.from('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'), contentType: 'application/json', kind: 'proto' }),
    fc.constant({ bytes: Buffer.from(`{"a":${'['.repeat(100_000)}`), contentType: 'application/json', kind: 'deep-unclosed' }),
    fc.tuple(shaped, fc.constantFrom(...OTHER_TYPES)).map(([value, contentType]) => ({ bytes: Buffer.from(JSON.stringify(value) ?? ''), contentType, kind: `wrong-type ${contentType}` })),
    fc.constant({ kind: 'none' }),
  );
  if (!op.body && op.method === 'GET') return fc.oneof({ weight: 5, arbitrary: fc.constant({ kind: 'none' }) }, json, raw);
  return fc.oneof({ weight: 4, arbitrary: json }, { weight: 2, arbitrary: raw });
}

function mutationLabel(m: Mutation): string {
  return m.kind === 'huge' ? `huge ${m.bytes}B` : m.kind === 'deep' ? `deep ${m.depth}` : m.kind;
}

const ODD_HEADERS = fc.dictionary(
  fc.constantFrom('If-None-Match', 'If-Modified-Since', 'Accept', 'Accept-Encoding', 'X-Forwarded-For', 'Range', 'X-Request-Id'),
  fc.constantFrom('*', 'garbage', 'W/"x"', 'Thu, 01 Jan 1970 00:00:00 GMT', 'Sat, 99 Foo 99999', 'text/csv', '*/*;q=abc', 'gzip, br', 'bytes=0-1', '1.2.3.4, 5.6.7.8', 'a'.repeat(300)),
  { maxKeys: 2 },
);

/**
 * Requests for one operation. `contentFor` may give a body's `content` the shape the
 * catalogue wants for its field and item type, so some creates get far enough to write.
 */
export function requestsFor(op: Operation, options: { realIds: () => string[]; invalidCredentials: string[]; limitBytes: number; contentFor: (value: unknown) => fc.Arbitrary<unknown> }): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const headerParams = op.parameters.filter((p) => p.in === 'header');
  return fc
    .record({
      method: fc.oneof({ weight: 12, arbitrary: fc.constant(op.method) }, fc.constantFrom('HEAD', 'OPTIONS', 'PATCH', 'PUT', 'DELETE', 'PROPFIND', 'TRACE', 'PURGE')),
      segments: fc.tuple(...pathParams.map((p) => pathValue(p, options.realIds))),
      query: queryString(op.parameters.filter((p) => p.in === 'query')),
      credential: credentials(op, options.invalidCredentials),
      body: bodies(op, options.limitBytes, options.contentFor),
      documentedHeaders: fc.tuple(...headerParams.map((p) => fc.option(fc.oneof(valueFor(p.schema).map(String), fc.stringMatching(/^[A-Za-z0-9._:-]{8,40}$/), fc.constantFrom('', 'x', ' '.repeat(3), 'k'.repeat(500))), { freq: 2 }))),
      oddHeaders: ODD_HEADERS,
    })
    .map(({ method, segments, query, credential, body, documentedHeaders, oddHeaders }) => {
      let path = op.path;
      pathParams.forEach((p, i) => (path = path.replace(`{${p.name}}`, segments[i]!.raw)));
      const headers: Record<string, string> = { ...oddHeaders };
      headerParams.forEach((p, i) => {
        if (documentedHeaders[i] != null) headers[p.name] = headerSafe(documentedHeaders[i]!);
      });
      if (body.contentType) headers['Content-Type'] = body.contentType;
      if (body.encoding) headers['Content-Encoding'] = body.encoding;
      return {
        method,
        path,
        pathIds: segments.flatMap((s) => (s.id ? [s.id] : [])),
        query,
        credential,
        headers,
        body: body.bytes,
        bodyKind: body.kind,
      };
    });
}

export interface FuzzResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends bytes as given: no URL normalisation, no re-encoding, no JSON serialisation. */
export function send(port: number, request: FuzzRequest, authorization?: string): Promise<FuzzResponse> {
  const headers: Record<string, string | number> = { ...request.headers };
  if (authorization) headers.Authorization = authorization;
  if (request.body) headers['Content-Length'] = request.body.length;
  const path = request.path + (request.query ? `?${request.query}` : '');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: request.method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The server may answer 413 and close before reading everything; that is an answer too.
    req.on('error', reject);
    req.end(request.body);
  });
}
