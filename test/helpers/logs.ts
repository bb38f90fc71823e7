import { Writable } from 'node:stream';
import { createLogger } from '../../core/logger.ts';

/** A real pino logger whose JSON lines are kept for assertions. */
export function captureLogs(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger(level, stream), lines, text: () => lines.join('\n') };
}
