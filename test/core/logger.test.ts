import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, isoTime, logDestination } from '../../core/logger.ts';

const tempFile = () => path.join(mkdtempSync(path.join(os.tmpdir(), 'gongkai-log-')), 'out.log');
const linesOf = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the log destination', () => {
  it('writes every line whole, multi-byte text included, once flushed', () => {
    const file = tempFile();
    const destination = logDestination(openSync(file, 'a'));
    const logger = createLogger('info', destination);
    // Enough lines to cross the 8 KB buffer several times, with Chinese text and odd characters.
    for (let i = 0; i < 500; i++) logger.info({ i, title: `海淀区公共租赁住房配租结果公示 第${i}批 "引号" \\ 😀` }, '发布');
    destination.flushSync();
    const lines = linesOf(file);
    expect(lines).toHaveLength(500);
    expect(lines.map((l) => l.i)).toEqual([...Array(500).keys()]);
    expect(lines[499]).toMatchObject({ level: 30, service: 'gongkai', msg: '发布', title: '海淀区公共租赁住房配租结果公示 第499批 "引号" \\ 😀' });
    for (const line of lines) expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('flushes what is buffered when the process exits', () => {
    const file = tempFile();
    const script = `import { openSync } from 'node:fs';
      import { createLogger, logDestination } from './core/logger.ts';
      const logger = createLogger('info', logDestination(openSync(${JSON.stringify(file)}, 'a')));
      for (let i = 0; i < 3; i++) logger.info({ i }, 'before exit');
      process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: process.cwd(), encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    expect(linesOf(file).map((l) => [l.i, l.msg])).toEqual([
      [0, 'before exit'],
      [1, 'before exit'],
      [2, 'before exit'],
    ]);
  });

  it('stamps lines with the current time, formatted as pino does', () => {
    const before = Date.now();
    const stamp = isoTime();
    const after = Date.now();
    const time = Date.parse(JSON.parse(`{${stamp.slice(1)}}`).time as string);
    expect(stamp).toMatch(/^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(after);
  });
});
