import Router from '@koa/router';
import Koa from 'koa';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createApp } from '../../api/app.ts';
import { errorHandler } from '../../api/middleware/errors.ts';
import { requestId } from '../../api/middleware/request-id.ts';
import { uniqueWrite } from '../../core/db.ts';
import { AuthenticationError, ForbiddenError } from '../../core/errors.ts';
import { connectTestDb } from '../helpers/db.ts';
import { captureLogs } from '../helpers/logs.ts';

const db = await connectTestDb('errors');
const queue = { processing: true, takesJobs: true };

describe('the real app', () => {
  const { logger, text } = captureLogs();
  const app = createApp({ logger, db, queue, bodyLimit: '1kb' }).callback();

  it('answers 404 with a JSON error for an unknown route', async () => {
    const res = await request(app).get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', message: 'no route for GET /api/v1/nothing-here' });
    expect(res.body.error.requestId).toBe(res.headers['x-request-id']);
  });

  it('logs one line per request with its id, the path without the query string, status and time', async () => {
    const res = await request(app).get('/api/v1/nothing-here?token=secret-value');
    const line = text()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request' && l.reqId === res.headers['x-request-id']);
    expect(line).toMatchObject({ method: 'GET', path: '/api/v1/nothing-here', status: 404, ms: expect.any(Number) });
    expect(text()).not.toContain('secret-value');
  });

  it('answers 413 for a body over the limit', async () => {
    const res = await request(app)
      .post('/api/v1/disclosures')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ title: '公'.repeat(2000) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await request(app).post('/api/v1/disclosures').set('Content-Type', 'application/json').send('{"title":');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request', message: 'request body is not valid JSON' });
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const res = await request(app).post('/healthz').send({});
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('method_not_allowed');
  });

  it('keeps a well-formed X-Request-Id and replaces one that could forge log lines', async () => {
    const kept = await request(app).get('/healthz').set('X-Request-Id', 'gateway-1234abcd');
    expect(kept.headers['x-request-id']).toBe('gateway-1234abcd');
    const replaced = await request(app).get('/healthz').set('X-Request-Id', 'x"} {"level":60');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs one line per request without credentials, query strings or bodies', async () => {
    await request(app)
      .post('/api/v1/disclosures?token=querysecret')
      .set('Authorization', 'Bearer headersecret')
      .send({ apiKey: 'bodysecret' });
    const logged = text();
    expect(logged).toContain('"path":"/api/v1/disclosures"');
    for (const secret of ['querysecret', 'headersecret', 'bodysecret']) expect(logged).not.toContain(secret);
  });
});

describe('the error mapper', () => {
  const { logger, lines } = captureLogs();
  const Thing = db.model('Thing', new (db.base.Schema)({ code: { type: String, unique: true } }));
  const router = new Router()
    .post('/zod', (ctx) => {
      z.object({ title: z.string(), content: z.object({ rooms: z.number() }) }).strict().parse(ctx.request.body);
    })
    .get('/401', () => {
      throw new AuthenticationError();
    })
    .get('/403', () => {
      throw new ForbiddenError('this key belongs to another agency');
    })
    .post('/dup-raw', async () => {
      await Thing.init();
      await Thing.create({ code: 'A1' }).catch(() => undefined);
      await Thing.create({ code: 'A1' });
    })
    .post('/dup', async () => {
      await Thing.init();
      await Thing.create({ code: 'B1' }).catch(() => undefined);
      await uniqueWrite(Thing.create({ code: 'B1' }), 'code', 'an item with this code exists');
    })
    .get('/boom', () => {
      throw new Error('connection string mongodb://admin:pw@db leaked');
    });
  const koa = new Koa();
  koa.silent = true;
  koa.use(requestId());
  koa.use(async (ctx, next) => {
    ctx.state.log = logger;
    await next();
  });
  koa.use(errorHandler());
  koa.use(async (ctx, next) => {
    ctx.request.body = JSON.parse((await readBody(ctx.req)) || '{}');
    await next();
  });
  koa.use(router.routes());
  const app = koa.callback();

  it('maps a ZodError to 400 naming each field by its path', async () => {
    const res = await request(app).post('/zod').send({ content: { rooms: 'three' }, extra: 1 });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const paths = res.body.error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'content.rooms', 'extra']));
    expect(res.body.error.message).toContain('content.rooms');
  });

  it('maps authentication and authorization errors to 401 and 403', async () => {
    expect((await request(app).get('/401')).status).toBe(401);
    const forbidden = await request(app).get('/403');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({ code: 'forbidden', message: 'this key belongs to another agency' });
  });

  it('maps a duplicate key from the database to 409', async () => {
    const res = await request(app).post('/dup-raw');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
  });

  it('names the field of a duplicate key when the write is guarded by uniqueWrite', async () => {
    const res = await request(app).post('/dup');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      message: 'an item with this code exists',
      fields: [{ path: 'code', message: 'already exists' }],
    });
  });

  it('answers 500 without the message or stack, and logs the error', async () => {
    const res = await request(app).get('/boom');
    expect(res.status).toBe(500);
    expect(res.body.error).toMatchObject({ code: 'internal', message: 'internal error' });
    expect(res.text).not.toContain('leaked');
    expect(res.text).not.toContain('at ');
    expect(lines.some((line) => line.includes('"unhandled error"'))).toBe(true);
  });
});

function readBody(req: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}
