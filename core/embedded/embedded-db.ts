import { ensureFerretDB } from './ferretdb-build.ts';
import { DataDirLockedError, isListening, startFerretDB, waitForPort, type FerretDBHandle } from './ferretdb-process.ts';

export interface EmbeddedDbSettings {
  port: number;
  dataDir: string;
}

/**
 * Makes sure the embedded database answers on 127.0.0.1:port. Returns the handle when this
 * process started it (and so must stop it), or null when a server was already there.
 */
export async function ensureEmbeddedDb(
  settings: EmbeddedDbSettings,
  say?: (line: string) => void,
): Promise<FerretDBHandle | null> {
  const host = '127.0.0.1';
  if (await isListening(host, settings.port)) return null;
  const binary = await ensureFerretDB(say);
  try {
    return await startFerretDB({ binary, port: settings.port, dataDir: settings.dataDir });
  } catch (error) {
    // Another gongkai process is starting the same server right now: use theirs.
    if (error instanceof DataDirLockedError) {
      await waitForPort(host, settings.port, 30_000);
      return null;
    }
    throw error;
  }
}
