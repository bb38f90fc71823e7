import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The project-local cache; git-ignored, so a fresh clone rebuilds it. */
export const CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'ferretdb');

export const FERRETDB_BINARY = path.join(CACHE_DIR, FERRETDB_VERSION, 'ferretdb');

/**
 * Builds FerretDB from its module on the Go module proxy, once.
 *
 * A plain `go install …/cmd/ferretdb@v1.24.2` yields a binary that panics at start-up:
 * the module zip lacks the generated build/version/version.txt that the binary embeds.
 * So we fetch the same module with `go mod download` (checked against the checksum
 * database), add that one file, as FerretDB's own panic message instructs, and `go build`.
 */
export async function ensureFerretDB(say: (line: string) => void = defaultSay): Promise<string> {
  if (existsSync(FERRETDB_BINARY)) return FERRETDB_BINARY;
  await assertGoAvailable();
  say(`Building FerretDB ${FERRETDB_VERSION} from the Go module proxy (first run only; takes a few minutes)…`);
  const started = Date.now();
  const { stdout } = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    maxBuffer: 1 << 20,
  });
  const { Dir: moduleDir } = JSON.parse(stdout) as { Dir: string };

  // Concurrent first runs (tests and `npm start` at once) each build in their own folder;
  // the final rename is atomic, so whoever finishes last simply replaces an identical file.
  await fs.mkdir(path.dirname(CACHE_DIR), { recursive: true });
  const workDir = await fs.mkdtemp(`${CACHE_DIR}-build-`);
  try {
    const srcDir = path.join(workDir, 'src');
    await fs.cp(moduleDir, srcDir, { recursive: true });
    await makeWritable(srcDir);
    await fs.writeFile(path.join(srcDir, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    const output = path.join(workDir, 'ferretdb');
    await run('go', ['build', '-trimpath', '-o', output, './cmd/ferretdb'], {
      cwd: srcDir,
      env: { ...process.env, CGO_ENABLED: '0' },
      maxBuffer: 16 << 20,
    });
    await fs.mkdir(path.dirname(FERRETDB_BINARY), { recursive: true });
    await fs.rename(output, FERRETDB_BINARY);
  } finally {
    await fs.rm(workDir, { recursive: true, force: true });
  }
  say(`Built FerretDB ${FERRETDB_VERSION} in ${Math.round((Date.now() - started) / 1000)} s: ${FERRETDB_BINARY}`);
  return FERRETDB_BINARY;
}

async function assertGoAvailable(): Promise<void> {
  try {
    await run('go', ['version']);
  } catch {
    throw new Error(
      'The embedded database needs Go to build FerretDB, and `go` was not found on PATH. ' +
        'Install Go 1.24 or newer, or set MONGODB_URI to an existing MongoDB.',
    );
  }
}

async function makeWritable(dir: string): Promise<void> {
  // The module cache is read-only; the copy keeps those modes.
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    await fs.chmod(full, entry.isDirectory() ? 0o755 : 0o644);
  }
  await fs.chmod(dir, 0o755);
}

function defaultSay(line: string): void {
  process.stderr.write(`gongkai: ${line}\n`);
}
