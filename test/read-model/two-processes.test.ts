import { describe, expect, it } from 'vitest';
import { processEnv, processSandbox, startApiProcess } from '../helpers/processes.ts';
import { agencyWithKey, allocationResult } from '../helpers/registry.ts';
import { connectTestDb } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';

const db = await connectTestDb('read_model_two_processes');
const { auth } = await agencyWithKey(db, 'bj-shunyi-zjw');
const sandbox = await processSandbox();

describe('two API processes on one machine', () => {
  it('share the read model: what one publishes, the other lists and finds, drafts included for the agency', async () => {
    const env = processEnv(db, sandbox.url);
    const [writer, reader] = [await startApiProcess(env), await startApiProcess(env)];
    const post = (path: string, body: unknown) => fetch(`${writer.url}${path}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const find = async () => (await (await fetch(`${reader.url}/api/v1/disclosures?q=${encodeURIComponent('顺义区双进程')}`)).json()) as { items: { id: string }[] };
    expect((await find()).items).toEqual([]); // now cached in the reader, until the writer's change reaches it

    const created = (await (await post('/api/v1/disclosures', allocationResult({ title: '顺义区双进程配租结果公示', region: '110113' }))).json()) as { id: string };
    const drafts = (await (await fetch(`${reader.url}/api/v1/agency/disclosures`, { headers: auth })).json()) as { items: { id: string; status: string }[] };
    expect(drafts.items).toEqual([expect.objectContaining({ id: created.id, status: 'draft' })]);

    expect((await post(`/api/v1/disclosures/${created.id}/publish`, {})).status).toBe(200);
    const found = await waitFor(find, (page) => page.items.length > 0, 30_000);
    expect(found.items.map((i) => i.id)).toEqual([created.id]);
  });
});
