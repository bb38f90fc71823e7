import { Command } from 'commander';
import { createChannels, needsSandbox } from '../channels/registry.ts';
import { startLocalSandbox } from '../channels/sandbox/start-local.ts';
import { channelAccountInput } from '../core/channel-accounts/account-input.ts';
import { resealAccounts, saveAccount } from '../core/channel-accounts/accounts.ts';
import { checkTemplates } from '../core/channel-accounts/check-templates.ts';
import { startupDataKeys } from '../core/crypto/development-key.ts';
import { loadConfig } from '../core/config.ts';
import { createMongoTokenStore } from '../core/wechat-state/mongo-token-store.ts';
import { printJson, withDb } from './with-db.ts';

/** `gongkai channels check`: the configured template mappings against the accounts' real template lists. */
export function channelsCommand(): Command {
  const channels = new Command('channels').description('channel accounts');
  channels
    .command('check')
    .description(
      'fetch each WeChat account’s template list and report mapped keys its template lacks and template keys the mapping leaves out (exit 1 on any)',
    )
    .action(async () => {
      const config = loadConfig();
      const result = await withDb(async (db) => {
        // Accounts in sandbox mode are checked against the local sandbox (the running service's, or a fresh one).
        const sandbox = needsSandbox(config.channels) ? await startLocalSandbox(config.channels.sandbox.port, { mpTemplateKind: config.channels.mpTemplateKind }) : undefined;
        try {
          const wired = createChannels({ config: config.channels, tokenStore: createMongoTokenStore(db), ...(sandbox ? { sandbox } : {}) });
          return await checkTemplates(wired);
        } finally {
          await sandbox?.close();
        }
      });
      printJson(result);
      if (!result.ok) process.exitCode = 1;
    });
  const account = channels.command('account').description('an agency’s own channel accounts (secrets sealed with DATA_ENCRYPTION_KEY)');
  account
    .command('save')
    .description('create or replace an account from JSON on stdin (as POST /api/v1/channel-accounts takes it); prints it, secrets only as set')
    .requiredOption('--agency <code>', 'the agency that owns the account')
    .action(async (options: { agency: string }) => {
      const config = loadConfig();
      const input = channelAccountInput.parse(JSON.parse(await stdin()));
      const { keys } = startupDataKeys(config);
      printJson(await withDb((db) => saveAccount(db, keys, { keyId: 'cli', agencyCode: options.agency, role: 'admin' }, input, new Date())));
    });
  channels
    .command('reseal')
    .description('after a key rotation, seal every account secret again with the current DATA_ENCRYPTION_KEY; the old key can go at resealed: 0')
    .action(async () => {
      const { keys } = startupDataKeys(loadConfig());
      if (!keys) throw new Error('DATA_ENCRYPTION_KEY is not set');
      printJson(await withDb((db) => resealAccounts(db, keys)));
    });
  return channels;
}

async function stdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}
