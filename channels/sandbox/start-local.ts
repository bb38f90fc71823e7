import { SANDBOX_APPS } from '../registry.ts';
import type { SandboxOutbox } from './outbox.ts';
import { startSandbox } from './server.ts';

export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export interface LocalSandbox {
  url: string;
  webhook: { url: string; secret: string };
  /** Present when this process runs the sandbox (not when it joined another process's). */
  outbox?: SandboxOutbox;
  close(): Promise<void>;
}

/**
 * The sandbox for `npm start` without credentials: on 127.0.0.1:port, with the default apps'
 * templates registered. A second gongkai process on the same machine (an API and a worker run
 * apart) finds the port taken and uses the running one.
 */
export async function startLocalSandbox(port: number): Promise<LocalSandbox> {
  try {
    const sandbox = await startSandbox({ port, webhookSecret: SANDBOX_WEBHOOK_SECRET });
    sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
    sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4']);
    return { url: sandbox.url, webhook: sandbox.webhook, outbox: sandbox.outbox, close: sandbox.close };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    const url = `http://127.0.0.1:${port}`;
    return { url, webhook: { url: `${url}/webhook/receive`, secret: SANDBOX_WEBHOOK_SECRET }, close: async () => undefined };
  }
}
