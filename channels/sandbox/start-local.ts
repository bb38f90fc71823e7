import { SANDBOX_APPS } from '../registry.ts';
import type { SandboxOutbox } from './outbox.ts';
import { startSandbox, type SandboxOptions } from './server.ts';
import type { SandboxCallback, TemplateKind } from './wechat/state.ts';

export const SANDBOX_WEBHOOK_SECRET = 'sandbox-webhook-secret';

export interface LocalSandbox {
  url: string;
  webhook: { url: string; secret: string };
  /** Present when this process runs the sandbox (not when it joined another process's). */
  outbox?: SandboxOutbox;
  /** Tells the sandbox where the OA's callback is and its token, so its pushes are signed as ours. */
  setCallback(appid: string, callback: SandboxCallback): Promise<void>;
  close(): Promise<void>;
}

/**
 * The sandbox for `npm start` without credentials: on 127.0.0.1:port, with the default apps'
 * templates registered. A second gongkai process on the same machine (an API and a worker run
 * apart) finds the port taken and uses the running one.
 */
export async function startLocalSandbox(
  port: number,
  options: Pick<SandboxOptions, 'authorize' | 'stateFile' | 'warn'> & {
    /** The mini-program template's kind as configured (WECHAT_MP_TEMPLATE_KIND): the sandbox's template is of that library. */
    mpTemplateKind?: TemplateKind;
  } = {},
): Promise<LocalSandbox> {
  const { mpTemplateKind = 'one-time', ...sandboxOptions } = options;
  try {
    const sandbox = await startSandbox({ port, webhookSecret: SANDBOX_WEBHOOK_SECRET, ...sandboxOptions });
    sandbox.wechat.registerTemplate(SANDBOX_APPS.oa.appId, SANDBOX_APPS.oa.templateId, ['thing1', 'thing2', 'thing3', 'time4']);
    sandbox.wechat.registerTemplate(SANDBOX_APPS.mp.appId, SANDBOX_APPS.mp.templateId, ['thing1', 'thing2', 'time3', 'thing4'], undefined, mpTemplateKind);
    return {
      url: sandbox.url,
      webhook: sandbox.webhook,
      outbox: sandbox.outbox,
      setCallback: async (appid, callback) => sandbox.wechat.setCallback(appid, callback),
      close: sandbox.close,
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw error;
    const url = `http://127.0.0.1:${port}`;
    // Another process's sandbox: told over its admin route (refused, in production, without a key).
    const setCallback = async (appid: string, callback: SandboxCallback) => {
      const res = await fetch(`${url}/sandbox/admin/wechat/callback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appid, ...callback }),
      });
      if (!res.ok) throw new Error(`the sandbox at ${url} refused the callback registration (HTTP ${res.status})`);
    };
    return { url, webhook: { url: `${url}/webhook/receive`, secret: SANDBOX_WEBHOOK_SECRET }, setCallback, close: async () => undefined };
  }
}
