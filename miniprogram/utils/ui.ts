/** wx UI calls as promises, so pages can `await` them. */
import type { ConsentResult } from '../services/types';

/** Asks the resident to confirm; resolves true on 确定. */
export function confirm(title: string, content: string, confirmText = '确定'): Promise<boolean> {
  return new Promise((resolve) => {
    wx.showModal({
      title,
      content,
      confirmText,
      cancelText: '取消',
      success: (res) => resolve(Boolean(res.confirm)),
      fail: () => resolve(false),
    });
  });
}

export function toast(title: string, icon: 'success' | 'none' = 'none'): void {
  wx.showToast({ title, icon, duration: 2000 });
}

export type ConsentOutcome =
  | { ok: true; results: Record<string, ConsentResult> }
  | { ok: false; errCode?: number; errMsg: string };

const CONSENT_VALUES: ConsentResult[] = ['accept', 'reject', 'ban', 'filter'];

/**
 * wx.requestSubscribeMessage. Must be called synchronously from a tap handler (platform rule:
 * after an await or a network callback the popup is refused), so callers start it first.
 * Results are kept only for the requested ids; `acceptWithAudio` and the like count as accept.
 */
export function requestSubscribe(tmplIds: string[]): Promise<ConsentOutcome> {
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => {
        const raw = res as unknown as Record<string, string>;
        const results: Record<string, ConsentResult> = {};
        for (const id of tmplIds) {
          const value = raw[id];
          if (!value) continue;
          results[id] = value.startsWith('accept') ? 'accept' : CONSENT_VALUES.includes(value as ConsentResult) ? (value as ConsentResult) : 'reject';
        }
        resolve({ ok: true, results });
      },
      fail: (err) => {
        const e = err as { errCode?: number; errMsg: string };
        resolve({ ok: false, errMsg: e.errMsg, ...(e.errCode !== undefined ? { errCode: e.errCode } : {}) });
      },
    });
  });
}
