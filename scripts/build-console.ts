/**
 * Builds the agency console (console/, Vue 3 + Element Plus) with Vite into dist/console/, which
 * api/console/console.routes.ts serves. Skipped when the sources and the toolchain's versions
 * hash to what the last build recorded, so `npm start` and `npm test` pay for it once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCES = path.join(root, 'console');
const OUT = path.join(root, 'dist', 'console');
const STAMP = path.join(OUT, '.source-hash');

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(SOURCES, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  for (const file of files) hash.update(path.relative(SOURCES, file)).update('\0').update(await readFile(file)).update('\0');
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  for (const name of ['vite', 'vue', 'element-plus', '@vitejs/plugin-vue', 'vue-router']) hash.update(`${name}@${lock.packages[`node_modules/${name}`]?.version}`);
  return hash.digest('hex');
}

export async function buildConsole(options: { force?: boolean } = {}): Promise<{ built: boolean; ms: number }> {
  const started = Date.now();
  const wanted = await sourceHash();
  const current = await readFile(STAMP, 'utf8').catch(() => '');
  const index = await readFile(path.join(OUT, 'index.html'), 'utf8').catch(() => '');
  if (!options.force && current === wanted && index) return { built: false, ms: Date.now() - started };
  // Imported here: the service's bundle never loads Vite.
  const { build } = await import('vite');
  await build({ configFile: path.join(SOURCES, 'vite.config.ts'), logLevel: 'warn' });
  await writeFile(STAMP, wanted);
  return { built: true, ms: Date.now() - started };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { built, ms } = await buildConsole({ force: process.argv.includes('--force') });
  console.log(built ? `built dist/console in ${ms} ms` : 'dist/console is up to date');
}
