import { Command, Option } from 'commander';
import { recordAudit } from '../core/audit.ts';
import { ROLES, type Role } from '../core/models/api-key.model.ts';
import { createStaff, disableStaff, resetStaff } from '../core/staff/staff-accounts.ts';
import { printJson, withDb } from './with-db.ts';

/**
 * Console staff accounts from the command line (the first admin of an agency is made here).
 * Passwords are generated and printed once, never taken as an argument (command lines end up
 * in shell histories and `ps`).
 */
export function staffCommand(): Command {
  const staff = new Command('staff').description('manage console staff accounts (username + password sign-in at /console)');
  staff
    .command('create')
    .description('create a staff account of an agency; prints the generated password once')
    .requiredOption('--agency <code>', 'agency code')
    .requiredOption('--username <name>', 'sign-in name, 2-40 lowercase letters, digits, ".", "_" or "-"')
    .addOption(new Option('--role <role>', 'what the account may do').choices(ROLES).makeOptionMandatory())
    .option('--name <text>', 'the person’s name, shown in the console')
    .action(async (options: { agency: string; username: string; role: Role; name?: string }) => {
      const created = await withDb(async (db) => {
        const result = await createStaff(db, { agencyCode: options.agency, username: options.username, role: options.role, displayName: options.name });
        await recordAudit(db, { action: 'staff.create', actor: { kind: 'cli' }, agencyCode: options.agency, subject: result.account.username, detail: { role: options.role } });
        return result;
      });
      printJson(created);
    });
  staff
    .command('disable')
    .description('disable a staff account; its sessions end at once')
    .argument('<username>')
    .action(async (username: string) => {
      const account = await withDb(async (db) => {
        const result = await disableStaff(db, username, undefined);
        await recordAudit(db, { action: 'staff.disable', actor: { kind: 'cli' }, agencyCode: result.agencyCode, subject: result.username });
        return result;
      });
      printJson({ account });
    });
  staff
    .command('reset')
    .description('set a new generated password (printed once) and re-enable the account; its sessions end')
    .argument('<username>')
    .action(async (username: string) => {
      const reset = await withDb(async (db) => {
        const result = await resetStaff(db, username, undefined, undefined);
        await recordAudit(db, { action: 'staff.reset', actor: { kind: 'cli' }, agencyCode: result.account.agencyCode, subject: result.account.username });
        return result;
      });
      printJson(reset);
    });
  return staff;
}
