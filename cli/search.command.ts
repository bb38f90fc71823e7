import { Command } from 'commander';
import { printJson, withReadModel } from './with-db.ts';

export function searchCommand(): Command {
  const search = new Command('search').description('Chinese search tokens of disclosures and subscriptions');
  search
    .command('reindex')
    .description('re-segment stored search tokens and subscription keywords after an upgrade changed segmentation')
    .action(async () => {
      // Imported here: every process loads cli/main.ts, and a delivery worker must not load jieba.
      const { reindexSearch } = await import('../core/disclosures/reindex-search.ts');
      const { SEGMENTATION_VERSION } = await import('../core/disclosures/search-tokens.ts');
      const { afterWrite } = await import('../core/read-model/sync.ts');
      const counts = await withReadModel((db, readModel) => reindexSearch(db, afterWrite(db, readModel)));
      printJson({ segmentationVersion: SEGMENTATION_VERSION, ...counts });
    });
  return search;
}
