import { Command } from 'commander';
import { loadConfig } from '../core/config.ts';
import { printJson, withReadModel } from './with-db.ts';

export function requestsCommand(): Command {
  const requests = new Command('requests').description('information requests (依申请公开)');
  requests
    .command('reseal')
    .description('after a key rotation: seal every request’s personal data with DATA_ENCRYPTION_KEY (old keys in DATA_ENCRYPTION_PREVIOUS_KEYS)')
    .action(async () => {
      const { createCalendarStore } = await import('../core/calendar/calendar-store.ts');
      const { createRequestDeps } = await import('../core/requests/deps.ts');
      const { resealRequests } = await import('../core/requests/reseal.ts');
      const config = loadConfig();
      const counts = await withReadModel((db, readModel) => {
        const { deps } = createRequestDeps(db, createCalendarStore(db), { readModel: readModel.requests, ...(config.dataKeys ? { keys: config.dataKeys } : {}) });
        return resealRequests(deps);
      });
      printJson({ keyId: config.dataKeys?.current.id, ...counts });
    });
  return requests;
}
