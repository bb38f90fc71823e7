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
import { readdir, readFile, rm } from 'node:fs/promises';
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

export async function buildBundle(entry = path.join(root, 'cli', 'main.ts'), outfile = BUNDLE): Promise<string> {
  // Chunk names carry content hashes: drop the previous build's so stale ones do not pile up.
  const outDir = path.dirname(outfile);
  const old = await readdir(outDir).catch(() => [] as string[]);
  await Promise.all(old.filter((name) => /^chunk-\w+\.mjs(\.map)?$/.test(name)).map((name) => rm(path.join(outDir, name), { force: true })));
  await build({
    entryPoints: { [path.basename(outfile, '.mjs')]: entry },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    // Chunks sit beside the entry (the import.meta.url rewrite assumes one folder) and load when first
    // imported, so a worker never loads the HTTP side's packages.
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
  return outfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const out = await buildBundle();
  console.log(`built ${path.relative(root, out)} in ${Date.now() - started} ms`);
}
