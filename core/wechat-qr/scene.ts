import { z } from 'zod';
import { FIELD_CODES, type FieldCode } from '../catalogue/types.ts';
import { subscriptionInput, type SubscriptionInput } from '../subscriptions/subscriptions.ts';

/**
 * The scene of a subscribe QR code (带参数二维码, `scene_str`, 1–64 characters): the filters the
 * OA text command `订阅 领域 行政区划代码` takes, written `sub1_<field|0>_<region|0>`, e.g.
 * `sub1_housing_110108`, `sub1_0_110108`, `sub1_blacklist_0`. `sub1` versions the format, so a
 * later one (item types, say) can live beside the codes already printed: permanent codes never
 * change. Only field and region: those are what the text command subscribes to, so a scan and a
 * typed command take the same path with the same idempotency check.
 */
export interface SceneFilters {
  field?: FieldCode;
  /** Six digits, as the resident would type it. */
  region?: string;
}

export const SCENE_PREFIX = 'sub1';
export const MAX_SCENE_LENGTH = 64;

const FIELD = new Set<string>(FIELD_CODES);

/** Strict: the whole string, a known field or 0, six digits or 0, and at least one of the two. */
export const sceneString = z
  .string()
  .min(1)
  .max(MAX_SCENE_LENGTH)
  .regex(/^sub1_([a-z-]{1,20}|0)_(\d{6}|0)$/)
  .transform((scene, ctx): SubscriptionInput => {
    const [, field = '0', region = '0'] = scene.split('_');
    if (field !== '0' && !FIELD.has(field)) {
      ctx.addIssue({ code: 'custom', message: 'unknown field' });
      return z.NEVER;
    }
    const input = subscriptionInput.safeParse({
      ...(field !== '0' ? { field } : {}),
      ...(region !== '0' ? { region } : {}),
    });
    if (!input.success) {
      ctx.addIssue({ code: 'custom', message: 'no filter' });
      return z.NEVER;
    }
    return input.data;
  });

/** The scene for these filters, or undefined when there is none to subscribe to. */
export function sceneOf(filters: SceneFilters): string | undefined {
  if (!filters.field && !filters.region) return undefined;
  const scene = `${SCENE_PREFIX}_${filters.field ?? '0'}_${filters.region ?? '0'}`;
  return sceneString.safeParse(scene).success ? scene : undefined;
}

/** The subscription a scene names, or undefined for anything forged, garbled or from another format. */
export function parseScene(scene: unknown): SubscriptionInput | undefined {
  const parsed = sceneString.safeParse(scene);
  return parsed.success ? parsed.data : undefined;
}

/** `subscribe` events carry `qrscene_<scene>`; SCAN events the scene itself. */
export function sceneOfEventKey(event: 'subscribe' | 'scan', eventKey: string | undefined): string | undefined {
  if (!eventKey) return undefined;
  if (event === 'scan') return eventKey;
  return eventKey.startsWith('qrscene_') ? eventKey.slice('qrscene_'.length) : undefined;
}
