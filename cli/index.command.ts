import { Command } from 'commander';
import { printJson, withReadModel } from './with-db.ts';

/** `[#####.....] 45% 4,500/10,000` on a terminal; a line per tenth otherwise (logs, CI). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const share = total ? Math.min(1, done / total) : 1;
    const text = `${label} [${'#'.repeat(Math.round(share * 30)).padEnd(30, '.')}] ${Math.floor(share * 100)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')}`;
    if (stream.isTTY) stream.write(`\r${text}${share >= 1 ? '\n' : ''}`);
    else if (Math.floor(share * 10) > lastTenth) {
      lastTenth = Math.floor(share * 10);
      stream.write(`${text}\n`);
    }
  };
}

export function indexCommand(): Command {
  const index = new Command('index').description('the read model behind lists, search and reports (READ_MODEL, READ_MODEL_FILE)');
  index
    .command('rebuild')
    .description('empty the read model and rebuild it from MongoDB (the service may keep running)')
    .action(async () => {
      const { rebuildReadModel } = await import('../core/read-model/rebuild.ts');
      const { disclosureStore } = await import('../core/store/disclosure-store.ts');
      const started = Date.now();
      const result = await withReadModel(async (db, readModel) => ({
        ...(await rebuildReadModel(disclosureStore(db), readModel, progressBar('rebuilding'))),
        ...(await readModel.status()),
      }));
      printJson({ ...result, ms: Date.now() - started });
    });
  index
    .command('verify')
    .description('compare the read model with MongoDB, disclosure by disclosure; exit code 1 when they differ')
    .action(async () => {
      const { verifyReadModel } = await import('../core/read-model/rebuild.ts');
      const { disclosureStore } = await import('../core/store/disclosure-store.ts');
      const report = await withReadModel((db, readModel) => verifyReadModel(disclosureStore(db), readModel));
      const differences = report.missing.length + report.stale.length + report.differing.length + report.extra.length;
      printJson({ ...report, differences, ok: differences === 0 });
      if (differences) process.exitCode = 1;
    });
  return index;
}
