import type { WiredChannels } from '../../channels/registry.ts';
import { compareMapping } from '../../channels/wechat/template-mapping.ts';

export interface TemplateCheck {
  channel: 'wechat-oa' | 'wechat-mp';
  mode: string;
  templateId: string;
  /** Whether the account's template list has the configured template. */
  found: boolean;
  /** Keys the mapping fills that the template does not have (the platform refuses those sends). */
  missingInTemplate: string[];
  /** Keys the template has that the mapping leaves out (47003 "data.<key>.value is empty" on every send). */
  unmapped: string[];
  /**
   * A mini-program template configured long-term (WECHAT_MP_TEMPLATE_KIND) that the platform lists
   * as one-time, or the reverse: residents' accepts would be counted wrongly (a one-time accept
   * allows one send; gongkai would send again and meet 43101).
   */
  kindMismatch?: { configured: 'one-time' | 'long-term'; template: 'one-time' | 'long-term' };
  /** Fetching the list failed: the vendor's code and words (never a token). */
  error?: { code: string; message: string };
  ok: boolean;
}

/**
 * `channels check`: for each WeChat account that is not off, fetches its real template list
 * (`get_all_private_template`, `newtmpl/gettemplate`) and compares the configured template's keys
 * with the mapping. Read-only: nothing is sent.
 */
export async function checkTemplates(wired: Pick<WiredChannels, 'templates'>): Promise<{ ok: boolean; accounts: TemplateCheck[] }> {
  const accounts: TemplateCheck[] = [];
  for (const account of wired.templates) {
    const base = { channel: account.channel, mode: account.mode, templateId: account.templateId };
    try {
      const list = await account.client.listTemplates(account.channel === 'wechat-oa' ? 'oa' : 'mp');
      const template = list.find((t) => t.id === account.templateId);
      const diff = compareMapping(account.mapping, template?.keys ?? []);
      const kindMismatch = account.kind && template?.kind && account.kind !== template.kind ? { configured: account.kind, template: template.kind } : undefined;
      const ok = Boolean(template) && !diff.missingInTemplate.length && !diff.unmapped.length && !kindMismatch;
      accounts.push({ ...base, found: Boolean(template), ...diff, ...(kindMismatch ? { kindMismatch } : {}), ok });
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      accounts.push({
        ...base,
        found: false,
        missingInTemplate: [],
        unmapped: [],
        error: { code: String(e.code ?? 'error'), message: String(e.message ?? error).replace(/access_token=[^&\s]*/g, 'access_token=***') },
        ok: false,
      });
    }
  }
  return { ok: accounts.every((a) => a.ok), accounts };
}
