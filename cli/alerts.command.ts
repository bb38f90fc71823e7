import { Command } from 'commander';
import { startupDataKeys } from '../core/crypto/development-key.ts';
import { loadConfig } from '../core/config.ts';
import { staffAlertTargetInput } from '../core/staff-alerts/target-input.ts';
import { listTargets, resealTargets, saveTarget } from '../core/staff-alerts/targets.ts';
import { printJson, withDb } from './with-db.ts';

/** `gongkai alerts`: where an agency's opinion alerts reach its press officers on duty. */
export function alertsCommand(): Command {
  const alerts = new Command('alerts').description('staff alert targets: WeCom and DingTalk group robots, official-account messages to officers');
  const target = alerts.command('target').description('an agency’s staff alert targets (secrets sealed with DATA_ENCRYPTION_KEY)');
  target
    .command('save')
    .description('create or replace a target from JSON on stdin (as POST /api/v1/staff-alerts/targets takes it); prints it, secrets only as set')
    .requiredOption('--agency <code>', 'the agency that owns the target')
    .action(async (options: { agency: string }) => {
      const config = loadConfig();
      const input = staffAlertTargetInput.parse(JSON.parse(await stdin()));
      const { keys } = startupDataKeys(config);
      printJson(await withDb((db) => saveTarget(db, keys, { keyId: 'cli', agencyCode: options.agency, role: 'admin' }, input, new Date())));
    });
  target
    .command('list')
    .description('the agency’s targets, secrets only as set')
    .requiredOption('--agency <code>', 'the agency')
    .action(async (options: { agency: string }) => {
      printJson({ items: await withDb((db) => listTargets(db, { keyId: 'cli', agencyCode: options.agency, role: 'admin' })) });
    });
  alerts
    .command('reseal')
    .description('after a key rotation, seal every target secret again with the current DATA_ENCRYPTION_KEY; the old key can go at resealed: 0')
    .action(async () => {
      const { keys } = startupDataKeys(loadConfig());
      if (!keys) throw new Error('DATA_ENCRYPTION_KEY is not set');
      printJson(await withDb((db) => resealTargets(db, keys)));
    });
  return alerts;
}

async function stdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}
