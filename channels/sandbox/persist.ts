import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

/** A part of the sandbox that can hand over its memory and take it back after a restart. */
export interface Persisted<S> {
  snapshot(): S;
  restore(saved: S): void;
}

export interface SandboxPersistence {
  /** Whether the file existed and was read back. */
  readonly restored: boolean;
  /** A request may have changed something: the next tick writes. */
  touch(): void;
  /** Writes now if anything may have changed (and at close). */
  flush(): void;
  stop(): void;
}

const FORMAT = 1;
const EVERY_MS = 1_000;

/**
 * Keeps the sandbox's memory in one file, so that restarting `npm start` does not turn every
 * follower into an unknown openid (and gongkai deactivating them) or every earlier Weibo status into
 * one that vanished. v8's serializer keeps Maps, Sets, BigInt ids and Dates as they are. The file
 * is replaced whole (write, then rename), so a crash mid-write leaves the previous one; a file
 * this Node cannot read is moved aside, and the sandbox starts empty as before.
 */
export function persistSandbox(file: string, parts: Record<string, Persisted<unknown>>, warn: (message: string) => void = () => undefined): SandboxPersistence {
  let restored = false;
  if (fs.existsSync(file)) {
    try {
      const saved = v8.deserialize(fs.readFileSync(file)) as { format: number; parts: Record<string, unknown> };
      if (saved.format !== FORMAT) throw new Error(`format ${String(saved.format)}, expected ${FORMAT}`);
      for (const [name, part] of Object.entries(parts)) if (saved.parts[name] !== undefined) part.restore(saved.parts[name]);
      restored = true;
    } catch (error) {
      const aside = `${file}.unreadable-${Date.now()}`;
      fs.renameSync(file, aside);
      warn(`sandbox state ${file} could not be read (${(error as Error).message}); moved to ${aside}, starting empty`);
    }
  }
  let dirty = false;
  const flush = () => {
    if (!dirty) return;
    dirty = false;
    const snapshot = Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, part.snapshot()]));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, v8.serialize({ format: FORMAT, parts: snapshot }), { mode: 0o600 });
    fs.renameSync(temporary, file);
  };
  const timer = setInterval(() => {
    try {
      flush();
    } catch (error) {
      warn(`sandbox state could not be written to ${file}: ${(error as Error).message}`);
    }
  }, EVERY_MS).unref();
  return {
    restored,
    touch: () => {
      dirty = true;
    },
    flush,
    stop: () => clearInterval(timer),
  };
}
