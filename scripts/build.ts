/**
 * `npm run build`: bundles the service (cli/main.ts) into dist/gongkai.mjs with esbuild, so
 * production processes run plain JavaScript. Under tsx every process also carries the loader's
 * hook thread and the transformed sources, about 30 MB of a worker's resident memory.
 *
 * Packages stay external (node_modules is there at run time). Files read beside their module
 * (press.css, the sentiment weights, the FerretDB build cache) are found through
 * `import.meta.url`, which in a bundle would be dist/'s: each project module's `import.meta.url`
 * is rewritten to its source file's URL, relative to the bundle, so the checkout can move.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BUNDLE = path.join(root, 'dist', 'gongkai.mjs');

/** Rewrites `import.meta.url` per source file and bundles packages' JSON. */
function sourceUrls(outDir: string): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(context) {
      // JSON from packages is bundled: esbuild drops the `with { type: 'json' }` Node needs on an external import.
      context.onResolve({ filter: /\.json$/ }, (args) => ({ path: require.resolve(args.path, { paths: [args.resolveDir] }) }));
      context.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const relative = path.relative(outDir, args.path).split(path.sep).join('/');
        return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

/** Chunks no build has written for this long are no longer loaded by any process started since. */
const STALE_CHUNK_MS = 10 * 60_000;

/**
 * Builds into a private folder, then renames each file into place: `npm run start:api` and
 * `start:worker` may build at the same moment, and a process must never import a chunk that
 * another build is half-way through writing. Chunk names carry content hashes, so concurrent
 * builds of the same sources write the same files.
 */
export async function buildBundle(entry = path.join(root, 'cli', 'main.ts'), outfile = BUNDLE): Promise<string> {
  const outDir = path.dirname(outfile);
  const staging = path.join(outDir, `.build-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    await build({
      entryPoints: { [path.basename(outfile, '.mjs')]: entry },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      // Chunks sit beside the entry (the import.meta.url rewrite assumes one folder) and load when
      // first imported, so a worker never loads the HTTP side's packages.
      splitting: true,
      chunkNames: 'chunk-[hash]',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      logLevel: 'warning',
      plugins: [sourceUrls(outDir)],
    });
    const built = await readdir(staging);
    // Chunks first: the entry that imports them appears last.
    const isChunk = (name: string) => name.startsWith('chunk-');
    for (const name of [...built.filter(isChunk), ...built.filter((name) => !isChunk(name))]) {
      await rename(path.join(staging, name), path.join(outDir, name));
    }
    const now = Date.now();
    for (const name of await readdir(outDir)) {
      if (!/^chunk-\w+\.mjs(\.map)?$/.test(name) || built.includes(name)) continue;
      const file = path.join(outDir, name);
      if (now - (await stat(file)).mtimeMs > STALE_CHUNK_MS) await rm(file, { force: true });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const out = await buildBundle();
  console.log(`built ${path.relative(root, out)} in ${Date.now() - started} ms`);
}
