import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SentimentModel } from '../../core/opinion/sentiment/model.ts';

const FIXTURES = path.resolve('test/fixtures/sentiment');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** `npm run train:sentiment` on the hand-written fixture (two files, 45 rows), weights only, into a fresh directory. */
function train(): string {
  const out = mkdtempSync(path.join(tmpdir(), 'gongkai-sentiment-'));
  dirs.push(out);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/train-sentiment.ts', '--data', path.join(FIXTURES, 'fixture_a.jsonl'), '--data', path.join(FIXTURES, 'fixture_b.jsonl'),
      '--out', out, '--folds', '2', '--weights-only'],
    { encoding: 'utf8' },
  );
  expect(result.status, result.stderr).toBe(0);
  return out;
}

describe('sentiment training script', () => {
  it('gives the same bytes twice with the same seed, and a model that loads', () => {
    const [first, second] = [train(), train()];
    for (const file of ['model.bin', 'model.json']) {
      expect(readFileSync(path.join(second, file)).equals(readFileSync(path.join(first, file))), file).toBe(true);
    }
    const model = SentimentModel.load(first);
    expect(model.meta.training).toMatchObject({ data: ['fixture_a.jsonl', 'fixture_b.jsonl'], rows: { 'fixture_a.jsonl': 30, 'fixture_b.jsonl': 15 } });
    expect(model.meta.calibration?.temperature).toBeGreaterThan(0);
    expect(model.meta.calibration?.confidence.a).toBeGreaterThan(0);
    const prediction = model.predict('非常满意，谢谢');
    expect(prediction.confidence).toBeGreaterThanOrEqual(0);
    expect(prediction.confidence).toBeLessThanOrEqual(1);
  });
});
