/**
 * `npm run db:build` builds the embedded FerretDB into .cache/ (CI runs it before the tests);
 * `npm run db:start` runs it in the foreground on the configured port and data folder.
 */
import { loadConfig } from '../core/config.ts';
import { ensureFerretDB } from '../core/embedded/ferretdb-build.ts';
import { startFerretDB } from '../core/embedded/ferretdb-process.ts';

const command = process.argv[2];
if (command === 'build') {
  const binary = await ensureFerretDB();
  console.log(binary);
} else if (command === 'start') {
  const config = loadConfig();
  if (config.database.kind !== 'embedded') throw new Error('MONGODB_URI is set: there is no embedded database to start');
  const server = await startFerretDB({ binary: await ensureFerretDB(), ...config.database });
  console.log(`FerretDB listening at ${server.uri} (data ${config.database.dataDir}); Ctrl-C stops it`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  console.error('usage: tsx scripts/ferretdb.ts build|start');
  process.exit(2);
}
