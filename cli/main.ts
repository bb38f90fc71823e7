import { Command, Option } from 'commander';
import { ZodError } from 'zod';
import { ConfigError, loadConfig } from '../core/config.ts';
import type { ProcessRole } from '../jobs/queue.ts';
import { agencyCommand, keyCommand } from './agency.command.ts';
import { calendarCommand } from './calendar.command.ts';
import { channelsCommand } from './channels.command.ts';
import { alertsCommand } from './alerts.command.ts';
import { searchCommand } from './search.command.ts';
import { requestsCommand } from './requests.command.ts';
import { indexCommand } from './index.command.ts';
import { sentimentCommand } from './sentiment.command.ts';
import { serve } from './serve.ts';
import { staffCommand } from './staff.command.ts';

const program = new Command('gongkai')
  .description('公开 gongkai: publish public-resource-allocation disclosures once, reach the public everywhere')
  .showHelpAfterError();

program
  .command('serve')
  .description('run the service: API and worker in one process unless --api or --worker is given')
  .addOption(new Option('--api', 'serve HTTP only; jobs are enqueued for separate workers').conflicts('worker'))
  .addOption(new Option('--worker', 'run jobs only, no HTTP'))
  .action(async (options: { api?: boolean; worker?: boolean }) => {
    const role: ProcessRole = options.api ? 'api' : options.worker ? 'worker' : 'all';
    const service = await serve(loadConfig(), role);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) {
        // A second signal: the operator will not wait for the grace period.
        process.stderr.write(`gongkai: ${signal} received again, exiting now\n`);
        service.abort();
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`gongkai: ${signal} received, shutting down\n`);
      service.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`gongkai: shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
  });

program.addCommand(agencyCommand());
program.addCommand(keyCommand());
program.addCommand(calendarCommand());
program.addCommand(channelsCommand());
program.addCommand(sentimentCommand());
program.addCommand(searchCommand());
program.addCommand(requestsCommand());
program.addCommand(indexCommand());
program.addCommand(staffCommand());
program.addCommand(alertsCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected failures get one line; the stack only helps with real bugs.
  const message =
    error instanceof ConfigError
      ? `invalid configuration: ${error.message}`
      : error instanceof ZodError
        ? error.issues.map((i) => `invalid ${i.path.join('.') || 'input'}: ${i.message}`).join('; ')
        : String(error instanceof Error ? error.message : error);
  process.stderr.write(`gongkai: ${message}\n`);
  process.exit(error instanceof ConfigError ? 78 : 1);
}
