import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainFastText } from '../../core/opinion/sentiment/fasttext.ts';
import { FeatureExtractor, normalise, tokenise, type FeatureConfig } from '../../core/opinion/sentiment/features.ts';
import { DENSE_FEATURES } from '../../core/opinion/sentiment/lexicon.ts';
import { CLASSES, DEFAULT_MODEL_DIR, SentimentModel, type Label } from '../../core/opinion/sentiment/model.ts';
import { fitModel, type Candidate, type Corpus } from '../../core/opinion/sentiment/train-run.ts';

const FIXTURES = path.resolve('test/fixtures/sentiment');
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const CONFIG: FeatureConfig = { hashBits: 14, charN: 3, tokenWeight: 1, charWeight: 1, tokenBigrams: false, headFeatures: true, denseWeight: 1 };

function fixture(): Corpus {
  return {
    rows: ['fixture_a.jsonl', 'fixture_b.jsonl'].flatMap((file) =>
      readFileSync(path.join(FIXTURES, file), 'utf8').split('\n').filter((line) => line.trim()).map((line) => {
        const { text: raw, label } = JSON.parse(line) as { text: string; label: Label };
        const text = normalise(raw);
        return { text, tokens: tokenise(text), label, domain: file.replace('.jsonl', '') };
      })),
  };
}

describe('fastText-style sentiment model', () => {
  const corpus = fixture();
  const extractor = new FeatureExtractor(CONFIG);
  const features = corpus.rows.map((r) => extractor.extractTokens(r.text, r.tokens));
  const labels = corpus.rows.map((r) => CLASSES.indexOf(r.label));
  const options = { dim: 8, epochs: 30, lr: 0.3, seed: 7 };

  it('gives the same weights for the same seed, other weights for another', () => {
    const first = trainFastText(features, labels, extractor.size, options);
    const again = trainFastText(features, labels, extractor.size, options);
    expect(Buffer.from(again.weights.buffer).equals(Buffer.from(first.weights.buffer))).toBe(true);
    expect(again.bias).toEqual(first.bias);
    const other = trainFastText(features, labels, extractor.size, { ...options, seed: 8 });
    expect(Buffer.from(other.weights.buffer).equals(Buffer.from(first.weights.buffer))).toBe(false);
  });

  it('folds into a linear weight matrix that gives the network’s own logits, and learns the training rows', () => {
    const trained = trainFastText(features, labels, extractor.size, options);
    const { dim, embeddings, output, compact } = trained.network;
    let right = 0;
    features.forEach((f, row) => {
      // The network: weighted sum of embeddings, then the softmax layer.
      const h = new Float64Array(dim);
      for (let k = 0; k < f.idx.length; k++) for (let j = 0; j < dim; j++) h[j]! += f.val[k]! * embeddings[compact[f.idx[k]!]! * dim + j]!;
      const network = [0, 1, 2].map((c) => trained.bias[c]! + h.reduce((s, x, j) => s + x * output[c * dim + j]!, 0));
      // The folded matrix the model file stores.
      const folded = [0, 1, 2].map((c) => trained.bias[c]! + f.idx.reduce((s, i, k) => s + f.val[k]! * trained.weights[i * 3 + c]!, 0));
      folded.forEach((z, c) => expect(z).toBeCloseTo(network[c]!, 9));
      if (folded.indexOf(Math.max(...folded)) === labels[row]) right++;
    });
    expect(right / features.length).toBeGreaterThan(0.9);
    // Buckets no training row uses stay at zero, so unseen words add nothing.
    const seen = new Set(features.flatMap((f) => [...f.idx]));
    const unseen = [...Array(extractor.size).keys()].find((i) => !seen.has(i))!;
    expect([0, 1, 2].map((c) => trained.weights[unseen * 3 + c])).toEqual([0, 0, 0]);
  });

  it('an ensemble is the logit mix of its two parts and keeps the hand-set question weights', () => {
    const linear: Candidate = { name: 'linear', features: CONFIG, l2: 1e-3, denseRatio: 0.1, weighting: 'none', nb: true, trainOn: 'all' };
    const fastText = { dim: 8, epochs: 10, lr: 0.3, nb: false };
    const all = corpus.rows.map((_, i) => i);
    const a = fitModel(corpus, linear, all);
    const b = fitModel(corpus, { ...linear, model: 'fasttext', fastText }, all);
    const mixed = fitModel(corpus, { ...linear, model: 'ensemble', fastText, linearShare: 0.75 }, all);
    for (let i = 0; i < mixed.weights.length; i += 997) expect(mixed.weights[i]).toBeCloseTo(0.75 * a.weights[i]! + 0.25 * b.weights[i]!, 12);
    mixed.bias.forEach((z, c) => expect(z).toBeCloseTo(0.75 * a.bias[c]! + 0.25 * b.bias[c]!, 12));
    const inquiry = (2 ** CONFIG.hashBits + DENSE_FEATURES.indexOf('inquiry')) * 3;
    expect(Array.from(mixed.weights.subarray(inquiry, inquiry + 3))).toEqual(Array.from(a.weights.subarray(inquiry, inquiry + 3)));
    expect(mixed.model.predict('请问第二批什么时候公示？').label).toBe('neu');
  });
});

describe('training script with the committed choice', () => {
  /** `npm run train:sentiment` on the fixture, with the committed search.json's chosen configuration, weights only. */
  function train(): string {
    const out = mkdtempSync(path.join(tmpdir(), 'gongkai-sentiment-chosen-'));
    dirs.push(out);
    writeFileSync(path.join(out, 'search.json'), readFileSync(path.join(DEFAULT_MODEL_DIR, 'search.json')));
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/train-sentiment.ts', '--data', path.join(FIXTURES, 'fixture_a.jsonl'), '--data', path.join(FIXTURES, 'fixture_b.jsonl'),
        '--out', out, '--folds', '2', '--weights-only'],
      { encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    return out;
  }

  it('trains the chosen model (as committed) to the same bytes twice', () => {
    const [first, second] = [train(), train()];
    for (const file of ['model.bin', 'model.json']) {
      expect(readFileSync(path.join(second, file)).equals(readFileSync(path.join(first, file))), file).toBe(true);
    }
    const chosen = (JSON.parse(readFileSync(path.join(DEFAULT_MODEL_DIR, 'search.json'), 'utf8')) as { chosen: { model?: string } }).chosen;
    const model = SentimentModel.load(first);
    expect(model.meta.training.model).toBe(chosen.model);
    expect(SentimentModel.load(DEFAULT_MODEL_DIR).meta.training.model).toBe(chosen.model);
    const prediction = model.predict('非常满意，谢谢');
    expect(prediction.confidence).toBeGreaterThanOrEqual(0);
    expect(prediction.confidence).toBeLessThanOrEqual(1);
  });
});
