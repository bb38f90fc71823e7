import { startSandbox, type Sandbox, type SandboxOptions } from '../../channels/sandbox/server.ts';
import type { OutgoingMessage } from '../../channels/types.ts';
import { createWeiboClient, type WeiboClientOptions } from '../../channels/weibo/weibo-client.ts';

/** `rip` of the tests' automatic posts: a documentation address (RFC 5737). */
export const SERVER_IP = '203.0.113.7';

/** A settable clock shared by the sandbox and the client, so hourly windows and expiry are exact. */
export function testClock(iso = '2026-10-09T10:45:00+08:00') {
  const clock = { now: new Date(iso), advance: (ms: number) => (clock.now = new Date(clock.now.getTime() + ms)) };
  return clock;
}

/** A public view as core would hand it to a channel. Links point at 127.0.0.1, a sandbox safe domain. */
export function sampleMessage(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const disclosureId = overrides.disclosureId ?? '6710e3c2a1b2c3d4e5f60718';
  return {
    key: `${disclosureId}:1`,
    disclosureId,
    revision: 1,
    kind: 'publish',
    title: '2026年第三批公共租赁住房配租结果公示',
    summary: '本批次共配租公共租赁住房120套，公示期为10个工作日。',
    url: `http://127.0.0.1/disclosures/${disclosureId}`,
    agencyName: '北京市住房和城乡建设委员会',
    field: 'housing',
    fieldName: '保障性住房',
    itemType: 'housing.allocation-result',
    itemTypeName: '配租结果',
    region: '110000',
    publishedAt: new Date('2026-10-09T09:30:00+08:00'),
    document: { id: disclosureId, title: '2026年第三批公共租赁住房配租结果公示', withheld: ['申请人身份证号'] },
    ...overrides,
  };
}

/** The shared sandbox (WeChat, Weibo, webhook receiver on one server) with a Weibo client pointed at it. */
export async function weiboSandbox(options: SandboxOptions & { client?: WeiboClientOptions } = {}) {
  const sandbox: Sandbox = await startSandbox(options);
  const client = createWeiboClient({ baseURL: sandbox.url, timeoutMs: 5_000, ...options.client });
  return { sandbox, client };
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function thrown<E = unknown>(fn: () => Promise<unknown>): Promise<E> {
  try {
    await fn();
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection');
}
