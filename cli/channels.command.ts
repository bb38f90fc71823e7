import { Command } from 'commander';
import { createChannels, needsSandbox } from '../channels/registry.ts';
import { startLocalSandbox } from '../channels/sandbox/start-local.ts';
import { checkTemplates } from '../core/channel-accounts/check-templates.ts';
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
        const sandbox = needsSandbox(config.channels) ? await startLocalSandbox(config.channels.sandbox.port) : undefined;
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
  return channels;
}
