import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// path, not new URL(): under jsdom the global URL is jsdom's, which fileURLToPath refuses.
export const MINIPROGRAM_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../miniprogram');

let built: string | undefined;

/**
 * Compiles miniprogram/ the way WeChat DevTools' typescript plugin does (file by file, with
 * miniprogram/tsconfig.json's options) into a temporary folder beside copies of the .wxml, .wxss
 * and .json files, and returns that folder. Once per test process; the tests always run the
 * current source, and nothing is written into the repository.
 */
export function buildMiniprogram(): string {
  if (built) return built;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'gongkai-mp-'));
  const configFile = ts.readConfigFile(path.join(MINIPROGRAM_SRC, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, MINIPROGRAM_SRC);
  const compilerOptions = { ...options, noEmit: false, sourceMap: false };
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const from = path.join(dir, entry.name);
      const to = path.join(out, path.relative(MINIPROGRAM_SRC, from));
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name === 'miniprogram_npm') continue;
        fs.mkdirSync(to, { recursive: true });
        walk(from);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const result = ts.transpileModule(fs.readFileSync(from, 'utf8'), {
          compilerOptions,
          fileName: from,
          reportDiagnostics: true,
        });
        if (result.diagnostics?.length) {
          throw new Error(ts.formatDiagnostics(result.diagnostics, ts.createCompilerHost(compilerOptions)));
        }
        fs.writeFileSync(to.replace(/\.ts$/, '.js'), result.outputText);
      } else if (/\.(wxml|wxss|json|wxs)$/.test(entry.name)) {
        fs.copyFileSync(from, to);
      }
    }
  };
  walk(MINIPROGRAM_SRC);
  // The repository's package.json says "type": "module"; the compiled pages are CommonJS.
  fs.writeFileSync(path.join(out, 'package.json'), '{ "type": "commonjs" }\n');
  built = out;
  return out;
}

/**
 * A compiled module of the mini-program by its path without extension (`utils/highlight`), to
 * test a pure helper on its own, as DevTools compiles it. Callers register removeBuild.
 */
export function requireBuilt<T>(name: string): T {
  const require = createRequire(import.meta.url);
  return require(path.join(buildMiniprogram(), `${name}.js`)) as T;
}

/** Deletes the temporary build (each test file gets its own: vitest isolates modules per file). */
export function removeBuild(): void {
  if (built) fs.rmSync(built, { recursive: true, force: true });
  built = undefined;
}
