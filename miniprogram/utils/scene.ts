/**
 * The scene of the website's 小程序码 (`options.scene` of the subscribe page, URL-encoded):
 * `sub1_<field|0>_<region|0>` as core/wechat-qr/scene.ts writes it. The field and region to
 * pre-fill, or nothing for any other scene; the form's own checks still run on submit.
 */
export function sceneFilters(raw: string | undefined): { field?: string; region?: string } {
  if (!raw) return {};
  let scene: string;
  try {
    scene = decodeURIComponent(raw);
  } catch {
    return {};
  }
  const m = /^sub1_([a-z-]{1,20}|0)_(\d{6}|0)$/.exec(scene);
  if (!m) return {};
  const field = m[1] !== '0' ? m[1] : undefined;
  const region = m[2] !== '0' ? m[2] : undefined;
  return { ...(field ? { field } : {}), ...(region ? { region } : {}) };
}
