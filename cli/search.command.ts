import { Command } from 'commander';
import { reindexSearch } from '../core/disclosures/reindex-search.ts';
import { SEGMENTATION_VERSION } from '../core/disclosures/search-tokens.ts';
import { printJson, withDb } from './with-db.ts';

export function searchCommand(): Command {
  const search = new Command('search').description('Chinese search tokens of disclosures and subscriptions');
  search
    .command('reindex')
    .description('re-segment stored search tokens and subscription keywords after an upgrade changed segmentation')
    .action(async () => {
      const counts = await withDb((db) => reindexSearch(db));
      printJson({ segmentationVersion: SEGMENTATION_VERSION, ...counts });
    });
  return search;
}
