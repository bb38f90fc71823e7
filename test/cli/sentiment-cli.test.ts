import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSentiment } from '../../cli/sentiment.command.ts';
import { createSentiment } from '../../core/opinion/sentiment/index.ts';

const BIN = path.resolve('bin/gongkai.js');

function gongkai(args: string[], input?: string) {
  return spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME } });
}

// The command is registered in cli/main.ts separately; until then the spawned tests are skipped.
const registered = /^\s+sentiment\b/m.test(gongkai(['--help']).stdout);

const INPUT = [
  JSON.stringify({ text: '感谢工作人员，办事效率很高[赞]' }),
  'this is not json',
  JSON.stringify({ text: '暗箱操作，黑幕重重[怒]' }),
  JSON.stringify({ id: 7 }),
  '',
  JSON.stringify({ text: '明天上午九点召开听证会。' }),
].join('\n');

function checkContract(stdout: string) {
  const lines = stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines).toHaveLength(6);
  expect(lines[0]).toMatchObject({ label: 'pos' });
  expect(lines[0]!.score).toBeGreaterThan(0);
  expect(Object.keys(lines[0]!).sort()).toEqual(['confidence', 'label', 'score']);
  expect(lines[0]!.confidence).toBeGreaterThanOrEqual(0);
  expect(lines[0]!.confidence).toBeLessThanOrEqual(1);
  expect(lines[1]!.error).toMatch(/^line 2: invalid JSON/);
  expect(lines[2]).toMatchObject({ label: 'neg' });
  expect(lines[3]!.error).toMatch(/^line 4: expected an object with a string "text"/);
  expect(lines[4]!.error).toMatch(/^line 5: empty line/);
  expect(['neg', 'neu', 'pos']).toContain(lines[5]!.label);
}

describe('sentiment command, in process', () => {
  const sentiment = createSentiment();
  async function run(input: string, reasons = false) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let output = '';
    stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const done = runSentiment(sentiment, { stdin, stdout }, { reasons });
    stdin.end(input);
    await done;
    return output;
  }

  it('answers every line in order, errors for malformed lines', async () => {
    checkContract(await run(`${INPUT}\n`));
  });

  it('writes nothing for empty input, and reasons on request', async () => {
    expect(await run('')).toBe('');
    const [line] = (await run('{"text":"不透明"}', true)).trimEnd().split('\n');
    expect(JSON.parse(line!)).toMatchObject({ label: 'neg', reasons: expect.arrayContaining([expect.objectContaining({ token: '不透明' })]) });
  });

  it('keeps order over many lines arriving in chunks', async () => {
    const texts = Array.from({ length: 3000 }, (_, i) => (i % 2 ? '非常满意，谢谢[赞]' : '太失望了[怒]'));
    const output = (await run(texts.map((text) => JSON.stringify({ text })).join('\r\n'))).trimEnd().split('\n');
    expect(output).toHaveLength(3000);
    expect(output.map((line) => (JSON.parse(line) as { label: string }).label)).toEqual(texts.map((_, i) => (i % 2 ? 'pos' : 'neg')));
  });
});

describe('npx gongkai sentiment', () => {
  it.skipIf(!registered)('answers N lines with N JSON lines in order, errors inline, exit 0', () => {
    const result = gongkai(['sentiment'], `${INPUT}\n`);
    expect(result.status, result.stderr).toBe(0);
    checkContract(result.stdout);
  });

  it.skipIf(!registered)('writes nothing for empty input and exits 0', () => {
    const result = gongkai(['sentiment'], '');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
  });
});
