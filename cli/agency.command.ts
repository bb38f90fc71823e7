import { Command, Option } from 'commander';
import { createAgency, updateAgency } from '../core/agencies/agencies.ts';
import { createApiKey, revokeApiKey } from '../core/agencies/api-keys.ts';
import { recordAudit } from '../core/audit.ts';
import { ROLES, type Role } from '../core/models/api-key.model.ts';
import { printJson, withDb } from './with-db.ts';

export function agencyCommand(): Command {
  const agency = new Command('agency').description('manage the agencies that publish');
  agency
    .command('create')
    .description('register an agency (谁公开: each disclosure belongs to one)')
    .requiredOption('--code <code>', 'stable code, e.g. bj-haidian-zjw')
    .requiredOption('--name <name>', 'official name')
    .option('--region <code>', '6-digit 行政区划代码 of its jurisdiction')
    .action(async (options: { code: string; name: string; region?: string }) => {
      printJson(await withDb((db) => createAgency(db, options)));
    });
  agency
    .command('update')
    .description('change an agency’s name, region or review setting (先审后发); audited')
    .requiredOption('--code <code>', 'the agency’s code')
    .option('--name <name>', 'official name')
    .option('--region <code>', '6-digit 行政区划代码 of its jurisdiction')
    .option('--require-review', 'publications and corrections wait for a reviewer’s approval')
    .option('--no-require-review', 'publishers publish directly')
    .action(async (options: { code: string; name?: string; region?: string; requireReview?: boolean }) => {
      const { code, ...patch } = options;
      const updated = await withDb(async (db) => {
        const result = await updateAgency(db, code, patch);
        await recordAudit(db, {
          action: 'agency.update',
          actor: { kind: 'cli' },
          agencyCode: code,
          subject: code,
          detail: { before: result.before, after: Object.fromEntries(Object.keys(result.before).map((k) => [k, result.agency[k as keyof typeof result.agency]])) },
        });
        return result.agency;
      });
      printJson(updated);
    });
  return agency;
}

export function keyCommand(): Command {
  const key = new Command('key').description('manage API keys');
  key
    .command('create')
    .description('create an API key for an agency; the key is shown once')
    .requiredOption('--agency <code>', 'agency code')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .option('--label <text>', 'who holds it')
    .option('--expires <date>', 'expiry date, YYYY-MM-DD')
    .action(async (options: { agency: string; role: Role; label?: string; expires?: string }) => {
      const expiresAt = options.expires ? parseDate(options.expires) : undefined;
      const created = await withDb(async (db) => {
        const result = await createApiKey(db, { agencyCode: options.agency, role: options.role, label: options.label, expiresAt });
        await recordAudit(db, {
          action: 'key.create',
          actor: { kind: 'cli' },
          agencyCode: options.agency,
          subject: result.keyId,
          detail: { role: options.role },
        });
        return result;
      });
      printJson(created);
    });
  key
    .command('revoke')
    .description('revoke an API key by its key id')
    .argument('<keyId>')
    .action(async (keyId: string) => {
      await withDb(async (db) => {
        const revoked = await revokeApiKey(db, keyId);
        await recordAudit(db, { action: 'key.revoke', actor: { kind: 'cli' }, agencyCode: revoked.agencyCode, subject: keyId, detail: { role: revoked.role } });
      });
      printJson({ keyId, revoked: true });
    });
  return key;
}

function parseDate(text: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00+08:00`))) {
    throw new Error(`--expires must be a date YYYY-MM-DD, got ${text}`);
  }
  return new Date(`${text}T00:00:00+08:00`);
}
