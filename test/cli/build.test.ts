import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRESS_CSS_PATH } from '../../api/pages/render/layout.ts';
import { buildBundle } from '../../scripts/build.ts';
import { connectTestDb } from '../helpers/db.ts';
import { followers, processEnv, processSandbox, startApiProcess, startWorkerProcess } from '../helpers/processes.ts';
import { agencyWithKey, allocationContent, allocationResult } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';

const AUDIENCE = 12;

// Inside the project, as dist/ is: the bundle resolves its packages from node_modules beside it.
const bundle = await buildBundle(undefined, path.resolve('.cache/test-build/gongkai.mjs'));
const db = await connectTestDb('built_bundle');
const sandbox = await processSandbox();
const env = processEnv(db, sandbox.url, { FANOUT_BATCH: '5', SESSION_SECRET: 'built-bundle-session-secret-0123456789abcd' });
const [api, worker] = await Promise.all([startApiProcess(env, bundle), startWorkerProcess({ ...env, WORKER_JOBS: 'fanout' }, bundle)]);
const { auth } = await agencyWithKey(db, 'bj-xicheng-zjw');

/** Whether a process has mapped jieba's native library, i.e. loaded the segmenter. */
const loadedJieba = (pid: number) => /jieba/.test(readFileSync(`/proc/${pid}/maps`, 'utf8'));

describe('the built bundle (npm run build), as npm start runs it', () => {
  it('serves files it reads beside its sources, and a fan-out-only worker delivers without loading the opinion code', async () => {
    const css = await fetch(`${api.url}${PRESS_CSS_PATH}`);
    expect(css.status).toBe(200);
    expect(await css.text()).toContain('{');

    const workerLine = worker.logs.find((l) => l.msg === 'gongkai worker running');
    expect(workerLine?.jobs).toEqual(['fanout']);

    await followers(db, sandbox, 'built', AUDIENCE, 'BUILT-0001');
    const headers = { ...auth, 'content-type': 'application/json' };
    const created = await fetch(`${api.url}/api/v1/disclosures`, {
      method: 'POST',
      headers,
      body: JSON.stringify(allocationResult({ content: allocationContent(['BUILT-0001']) })),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${api.url}/api/v1/disclosures/${id}/publish`, { method: 'POST', headers })).status).toBe(200);
    await waitFor(
      () => db.collection('deliveries').countDocuments({ disclosureId: id, channel: 'wechat-oa', state: 'sent' }),
      (n) => n === AUDIENCE,
      60_000,
    );

    // The API side segments text for search; the delivery worker never needs to.
    expect(loadedJieba(api.pid)).toBe(true);
    expect(loadedJieba(worker.pid)).toBe(false);
  });
});
