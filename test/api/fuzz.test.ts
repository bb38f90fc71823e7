import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CatalogueDocument } from '../../core/catalogue/index.ts';
import { storedProblems } from '../helpers/fuzz-invariants.ts';
import { operationsOf, requestsFor, send, type FuzzRequest, type Operation } from '../helpers/fuzz-requests.ts';
import { valueFor, type JsonSchema } from '../helpers/fuzz-values.ts';
import { oaRequests, WECHAT_OA_OPERATION } from '../helpers/fuzz-wechat-oa.ts';
import { FUZZ_BODY_LIMIT_BYTES, fuzzWorld } from '../helpers/fuzz-world.ts';

/**
 * Property-based fuzzing of every operation the API documents in /openapi.json, read at run
 * time so routes added later are fuzzed too. Reproduce a failure with the seed fast-check
 * prints: FUZZ_SEED=<seed> npx vitest run test/api/fuzz.test.ts; FUZZ_RUNS raises the count.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_009);

const world = await fuzzWorld('fuzz');
const base = `http://127.0.0.1:${world.port}`;
const document = (await (await fetch(`${base}/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
const catalogue = (await (await fetch(`${base}/api/v1/catalogue`)).json()) as CatalogueDocument;
const operations = operationsOf(document);

const itemTypes = catalogue.fields.flatMap((f) => f.itemTypes.map((t) => ({ field: f.code, itemType: t.code, schema: t.contentSchema as JsonSchema })));

/** Three in four bodies with a `content` get the catalogue's shape for a real field and item type. */
function contentFor(value: unknown): fc.Arbitrary<unknown> {
  if (!value || typeof value !== 'object' || !('content' in value)) return fc.constant(value);
  const shaped = fc.constantFrom(...itemTypes).chain((t) =>
    valueFor(t.schema).map((content) =>
      'field' in value ? { ...value, field: t.field, itemType: t.itemType, content, withheld: [] } : { ...value, content },
    ),
  );
  return fc.oneof(fc.constant(value), { weight: 3, arbitrary: shaped });
}

/**
 * Bookkeeping, not data: the public cache's change stamp is written in the background after a
 * successful change, so it may land while the next request is in flight; a key's `lastUsedAt`
 * (once an hour) is stamped when it authenticates, whatever the request then turns out to be.
 */
const BACKGROUND_WRITES = /^update (public_epoch|api_keys)$/;

/** Ids of what the fuzzer created, reused as path parameters by later requests. */
const pool = [world.ids.draft, world.ids.published, world.ids.secret];

/** Statuses answered per operation, to show the fuzzer got past validation too. */
const statuses = new Map<string, Map<number, number>>();

async function authorization(request: FuzzRequest): Promise<string | undefined> {
  const c = request.credential;
  if (c.kind === 'key') return world.key(c.agency, c.role);
  if (c.kind === 'resident') return world.residentSession();
  return c.kind === 'bad' ? c.header : undefined;
}

function mayPass(op: Operation, request: FuzzRequest): boolean {
  const c = request.credential;
  if (op.security?.kind === 'key') return c.kind === 'key' && (op.security.roles.length === 0 || op.security.roles.includes(c.role));
  if (op.security?.kind === 'resident') return c.kind === 'resident';
  return true;
}

async function check(op: Operation, request: FuzzRequest): Promise<number> {
  const header = await authorization(request);
  const mark = world.writes.length;
  const res = await send(world.port, request, header);
  const what = `${request.method} ${request.path.slice(0, 120)}?${request.query.slice(0, 120)} body=${request.bodyKind} as ${JSON.stringify(request.credential)} → ${res.status} ${res.text.slice(0, 300)}`;

  const seen = statuses.get(`${op.method} ${op.path}`) ?? new Map<number, number>();
  statuses.set(`${op.method} ${op.path}`, seen.set(res.status, (seen.get(res.status) ?? 0) + 1));
  expect(res.status, what).toBeLessThan(500);
  // 谁公开: a third agency's draft reaches nobody else, not even its title.
  expect(res.text.includes(world.secretTitle), `another agency's draft leaked: ${what}`).toBe(false);
  if (res.status >= 400) {
    expect(world.writes.slice(mark).filter((w) => !BACKGROUND_WRITES.test(w)), `refused but wrote: ${what}`).toEqual([]);
    if (res.status === 429) expect(res.headers['retry-after'], what).toMatch(/^\d+$/);
    if (request.method === 'HEAD') return res.status; // no body to check
    expect(res.headers['content-type'], what).toMatch(/^application\/json/);
    const { error } = JSON.parse(res.text) as { error: { code: unknown; message: unknown; requestId: unknown; fields?: { path: unknown; message: unknown }[] } };
    expect(error.code, what).toMatch(/^[a-z_]+$/);
    expect(typeof error.message === 'string' && error.message.length > 0, what).toBe(true);
    expect(error.requestId, what).toBe(res.headers['x-request-id']);
    for (const field of error.fields ?? []) {
      expect(typeof field.path === 'string' && field.path.length > 0 && typeof field.message === 'string', what).toBe(true);
    }
  } else {
    const id = /^\{"id":"([0-9a-f]{24})"/.exec(res.text)?.[1];
    if (id && !pool.includes(id)) pool.push(id);
    // A method other than the operation's may reach another operation on the same path.
    const served = [op, ...operations.filter((o) => o.path === op.path)].find(
      (o) => o.method === request.method || (request.method === 'HEAD' && o.method === 'GET'),
    );
    if (served) expect(mayPass(served, request), `answered without the right credentials: ${what}`).toBe(true);
    else expect(request.method, `another method answered: ${what}`).toBe('OPTIONS');
    expect(request.pathIds.includes(world.ids.secret), `another agency's draft answered: ${what}`).toBe(false);
  }
  return res.status;
}

describe('fuzzing every operation of /openapi.json', () => {
  it('finds the agency, resident and public operations in the document', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.some((op) => op.security?.kind === 'key')).toBe(true);
    expect(operations.some((op) => op.security?.kind === 'resident')).toBe(true);
    expect(operations.some((op) => op.body)).toBe(true);
  });

  operations.forEach((op, i) => {
    it(`${op.method} ${op.path}: never 5xx, errors in the JSON shape, refusals write nothing`, async () => {
      const requests = requestsFor(op, {
        realIds: () => pool,
        invalidCredentials: Object.values(world.invalidKeys),
        limitBytes: FUZZ_BODY_LIMIT_BYTES,
        contentFor,
      });
      await fc.assert(
        fc.asyncProperty(requests, async (request) => {
          await check(op, request);
        }),
        { numRuns: RUNS, seed: SEED + i, endOnFailure: false },
      );
    });
  });

  it('POST /wechat/oa (XML from WeChat, not in /openapi.json): never 5xx, unsigned pushes refused', async () => {
    await fc.assert(
      fc.asyncProperty(oaRequests(world.oaCallback.token, world.oaCallback.appId), async (request) => {
        const status = await check(WECHAT_OA_OPERATION, request);
        if (!request.signed) expect(status, request.bodyKind).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS * 2, seed: SEED - 1 },
    );
  });

  it('got past validation and authentication too, not only refusals', () => {
    if (process.env.FUZZ_STATS) console.table(Object.fromEntries([...statuses].map(([op, s]) => [op, Object.fromEntries(s)])));
    const passed = [...statuses].filter(([, s]) => [...s.keys()].some((status) => status < 300)).map(([op]) => op);
    expect(passed).toEqual(expect.arrayContaining(['POST /api/v1/disclosures', 'GET /api/v1/agency/disclosures', 'POST /api/v1/me/subscriptions', 'GET /api/v1/agencies']));
    // The write watcher that the refusal check relies on sees the writes of accepted requests.
    expect(world.writes).toEqual(expect.arrayContaining(['insert disclosures', 'insert subscriptions']));
  });

  it('leaves no half-written document, and no $- or dotted key anywhere', async () => {
    expect(await storedProblems(world.db)).toEqual([]);
    expect(world.logs.filter((line) => line.includes('"unhandled error"'))).toEqual([]);
  });
});

describe('what the fuzzer found, pinned', () => {
  const post = (headers: Record<string, string>) =>
    send(world.port, { method: 'POST', path: '/api/v1/mp/login', pathIds: [], query: '', credential: { kind: 'none' }, headers, body: Buffer.from('{"code":"x"}'), bodyKind: 'pinned' });

  it('answers 415, not 500, for a Content-Encoding the body reader does not know', async () => {
    const res = await post({ 'Content-Type': 'application/json', 'Content-Encoding': 'bogus' });
    expect(res.status).toBe(415);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'unsupported_media_type', message: expect.stringContaining('Content-Encoding') });
  });

  it('answers 400, not 500, for a body that is not the gzip its header claims', async () => {
    const res = await post({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'bad_request', message: 'request body does not match its Content-Encoding' });
  });

  it('answers 405, not 500, for an HTTP method the router does not know', async () => {
    for (const method of ['PROPFIND', 'TRACE', 'PURGE']) {
      const res = await send(world.port, { method, path: '/api/v1/disclosures', pathIds: [], query: '', credential: { kind: 'none' }, headers: {}, bodyKind: 'pinned' });
      expect(res.status).toBe(405);
      expect(JSON.parse(res.text).error.code).toBe('method_not_allowed');
    }
  });

  it('names a query parameter with an empty name instead of answering "invalid "', async () => {
    const res = await fetch(`${base}/api/v1/disclosures?=x`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; fields: { path: string }[] } };
    expect(error.fields).toEqual([{ path: '(empty name)', message: 'unknown field' }]);
    expect(error.message).toBe('invalid (empty name)');
  });
});
