import type { StaffAlertKind } from './types.ts';
import { StaffAlertError } from './types.ts';

/**
 * POSTs JSON to a robot webhook and returns its `{errcode, errmsg}`. Both robots answer HTTP 200
 * with a non-zero errcode for their refusals, so the body decides. The URL carries the robot's
 * key or token: it never goes into an error message (errors are recorded and may be logged).
 */
export async function postRobot(kind: StaffAlertKind, url: string, body: unknown, timeoutMs: number): Promise<{ errcode: number; errmsg: string }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timeout = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
    throw new StaffAlertError(kind, timeout ? 'timeout' : 'network', timeout ? 'no answer in time' : 'robot unreachable', 'retry');
  }
  const text = await response.text().catch(() => '');
  let answer: { errcode?: unknown; errmsg?: unknown } | undefined;
  try {
    answer = JSON.parse(text) as { errcode?: unknown; errmsg?: unknown };
  } catch {
    answer = undefined;
  }
  if (answer && typeof answer.errcode === 'number') return { errcode: answer.errcode, errmsg: String(answer.errmsg ?? '') };
  if (response.status !== 200) throw new StaffAlertError(kind, `http-${response.status}`, `HTTP ${response.status}`, 'retry');
  throw new StaffAlertError(kind, 'bad-response', 'the answer is not the robot’s JSON', 'retry');
}

/** errmsg without anything that looks like a credential (WeCom echoes hints; be safe). */
export const cleanVendorMessage = (text: string) => text.replace(/(key|access_token|sign)=[^&\s,]*/gi, '$1=***').slice(0, 300);
