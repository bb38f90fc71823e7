import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createChannels, SANDBOX_APPS } from '../../channels/registry.ts';
import { checkTemplateData } from '../../channels/sandbox/wechat/keyword-rules.ts';
import { mappingProblems, templateData, type TemplateMapping } from '../../channels/wechat/template-mapping.ts';
import { checkTemplates } from '../../core/channel-accounts/check-templates.ts';
import { loadConfig } from '../../core/config.ts';
import { createMongoTokenStore } from '../../core/wechat-state/mongo-token-store.ts';
import { fanOutWorld, sandboxEnv, subscribe } from '../helpers/fanout.ts';
import { processEnv } from '../helpers/processes.ts';
import { agencyWithKey, allocationResult, testApp } from '../helpers/registry.ts';
import { waitFor } from '../helpers/wait.ts';
import { message } from './wechat-helpers.ts';
import request from 'supertest';

/** A template as a real account picked it from the library: its own key names and numbers. */
const REAL_KEYS = ['thing10', 'time5', 'character_string21', 'phrase3'];
const REAL_MAPPING: TemplateMapping = { thing10: 'title', time5: 'date', character_string21: 'disclosureId', phrase3: 'change' };

const world = await fanOutWorld('template_mapping', {
  WECHAT_OA_TEMPLATE_ID: 'oa-real-template',
  WECHAT_OA_TEMPLATE_MAP: JSON.stringify(REAL_MAPPING),
  WECHAT_MP_TEMPLATE_ID: 'mp-real-template',
  // The template is of the long-term library (registered so below), as a 政务 mini-program's may be.
  WECHAT_MP_TEMPLATE_KIND: 'long-term',
  // Leaves out the template's thing7 and fills a thing2 it does not have.
  WECHAT_MP_TEMPLATE_MAP: JSON.stringify({ thing1: 'title', thing2: 'agency', time3: 'date' }),
});
const { db, sandbox } = world;
sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, 'oa-real-template', REAL_KEYS, '公示结果通知');
sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, 'mp-real-template', ['thing1', 'time3', 'thing7'], '公开提醒', 'long-term');

describe('template mappings', () => {
  it('fill any key names within the keyword rules, a long title and a correction included', () => {
    const long = message({ title: '海淀区2026年第三批公共租赁住房分配结果公示（含永丰家园、温泉凯盛家园两个项目）', kind: 'correct' });
    const data = templateData(REAL_MAPPING, long);
    expect(Object.keys(data)).toEqual(REAL_KEYS);
    expect(() => checkTemplateData(data, REAL_KEYS)).not.toThrow();
    expect(data.phrase3).toEqual({ value: '已更正' });
    expect([...data.thing10!.value].length).toBe(20);
    expect(data.character_string21!.value).toBe(long.disclosureId);
    expect(mappingProblems(REAL_MAPPING)).toEqual([]);
  });

  it('sends with the configured keys, and a key the template has but the mapping leaves out fails as 47003 naming it', async () => {
    const { auth } = await agencyWithKey(db, 'bj-haidian-zjw');
    sandbox.wechat.addFollower(SANDBOX_APPS.oa.appId, 'oa-mapped');
    await subscribe(db, 'wechat-oa', 'oa-mapped');
    sandbox.wechat.addSubscriber(SANDBOX_APPS.mp.appId, 'mp-mapped');
    sandbox.wechat.grantConsent(SANDBOX_APPS.mp.appId, 'mp-mapped', 'mp-real-template', 'long-term');
    await db.collection('consents').insertOne({
      _id: `${SANDBOX_APPS.mp.appId}:mp-mapped:mp-real-template` as never,
      appId: SANDBOX_APPS.mp.appId,
      openid: 'mp-mapped',
      templateId: 'mp-real-template',
      kind: 'long-term',
      remaining: 0,
      revoked: false,
      updatedAt: new Date(),
    });
    await subscribe(db, 'wechat-mp', 'mp-mapped');
    const created = await world.http().post('/api/v1/disclosures').set(auth).send(allocationResult()).expect(201);
    const id = created.body.id as string;
    await world.http().post(`/api/v1/disclosures/${id}/publish`).set(auth).expect(200);
    const oa = await waitFor(() => db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-oa' }), Boolean);
    expect(oa).toMatchObject({ state: 'sent', mode: 'live' });
    const body = sandbox.outbox.list('wechat-oa').find((e) => (e.body as { touser?: string }).touser === 'oa-mapped')!.body as { data: Record<string, unknown> };
    expect(Object.keys(body.data)).toEqual(REAL_KEYS);
    const mp = await waitFor(() => db.collection('deliveries').findOne({ disclosureId: id, channel: 'wechat-mp' }), (d) => d?.state === 'failed');
    expect(mp).toMatchObject({ state: 'failed', code: '47003' });
    expect(mp!.message).toMatch(/data\.thing7\.value is empty/);
  });

  it('`channels check` (core, admin API and CLI) reports mapped keys the template lacks and template keys left out', async () => {
    const config = loadConfig({
      ...sandboxEnv(sandbox.url),
      WECHAT_OA_TEMPLATE_ID: 'oa-real-template',
      WECHAT_OA_TEMPLATE_MAP: JSON.stringify(REAL_MAPPING),
      WECHAT_MP_TEMPLATE_ID: 'mp-real-template',
      WECHAT_MP_TEMPLATE_KIND: 'long-term',
      WECHAT_MP_TEMPLATE_MAP: JSON.stringify({ thing1: 'title', thing2: 'agency', time3: 'date' }),
    });
    const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db) });
    const expected = {
      ok: false,
      accounts: [
        { channel: 'wechat-mp', mode: 'live', templateId: 'mp-real-template', found: true, missingInTemplate: ['thing2'], unmapped: ['thing7'], ok: false },
        { channel: 'wechat-oa', mode: 'live', templateId: 'oa-real-template', found: true, missingInTemplate: [], unmapped: [], ok: true },
      ],
    };
    expect(await checkTemplates(wired)).toEqual(expected);

    const admin = await agencyWithKey(db, 'bj-haidian-zjw', 'admin');
    const publisher = await agencyWithKey(db, 'bj-haidian-zjw', 'publisher');
    const app = testApp({ logger: world.deps.logger, db, services: world.services }, { channelsCheck: () => checkTemplates(wired) }).callback();
    expect((await request(app).get('/api/v1/channels/check')).status).toBe(401);
    expect((await request(app).get('/api/v1/channels/check').set(publisher.auth)).status).toBe(403);
    const answered = await request(app).get('/api/v1/channels/check').set(admin.auth);
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual(expected);

    const env = processEnv(db, sandbox.url, {
      WECHAT_OA_TEMPLATE_ID: 'oa-real-template',
      WECHAT_OA_TEMPLATE_MAP: JSON.stringify({ ...REAL_MAPPING, thing9: 'agency' }),
      WECHAT_MP_TEMPLATE_ID: 'mp-real-template',
      WECHAT_MP_TEMPLATE_KIND: 'long-term',
      WECHAT_MP_TEMPLATE_MAP: JSON.stringify({ thing1: 'title', time3: 'date', thing7: 'notice' }),
    });
    // Spawned asynchronously: the sandbox it asks runs in this process.
    const child = spawn(process.execPath, [path.resolve('bin/gongkai.js'), 'channels', 'check'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    const cli = { stdout: '', stderr: '', status: null as number | null };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (cli.stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (cli.stderr += chunk));
    cli.status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(cli.status, cli.stderr).toBe(1);
    const printed = JSON.parse(cli.stdout) as typeof expected;
    expect(printed.accounts.find((a) => a.channel === 'wechat-oa')).toMatchObject({ found: true, missingInTemplate: ['thing9'], unmapped: [], ok: false });
    expect(printed.accounts.find((a) => a.channel === 'wechat-mp')).toMatchObject({ found: true, missingInTemplate: [], unmapped: [], ok: true });
    expect(cli.stdout + cli.stderr).not.toContain(SANDBOX_APPS.oa.secret);
  });
});
