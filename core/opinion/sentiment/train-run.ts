/**
 * The training script's building blocks: one variant's fit, its cross-validation, and the
 * calibration fitted on the out-of-fold logits. Kept out of scripts/ so a test can train on a small
 * fixture exactly as the script does.
 */
import { FeatureExtractor, type FeatureConfig, type Features } from './features.ts';
import { DENSE_FEATURES, lexiconFingerprint, type Token } from './lexicon.ts';
import { HAND_SET_WEIGHTS } from './dense.ts';
import { evaluate, type Metrics } from './metrics.ts';
import { CLASSES, SentimentModel, type Calibration, type Label, type ModelMeta } from './model.ts';
import { FEATURES_VERSION } from './features.ts';
import { trainLogistic } from './train.ts';
import { trainFastText } from './fasttext.ts';

/** The fastText-style model's settings (fasttext.ts); `nb` scales its inputs as Candidate.nb does the linear model's. */
export interface FastTextSettings { dim: number; epochs: number; lr: number; nb: boolean }
/** Its SGD seed (initialisation and shuffling); fixed, so the weights are reproducible. */
export const FASTTEXT_SEED = 2020;

export interface Candidate {
  name: string;
  features: FeatureConfig;
  l2: number;
  /** L2 of the dense lexicon weights relative to `l2`. */
  denseRatio: number;
  /** none; balanced = each class the same total weight; domain = each (file, class) pair the same. */
  weighting: 'none' | 'balanced' | 'domain';
  /** NB-SVM style: each hashed feature scaled by its largest one-vs-rest log-count ratio (folded into the weights after fitting). */
  nb: boolean;
  /** 'all' rows, or only the rows of files whose name contains this (the previous virus-only setup). */
  trainOn: string;
  /** 'linear' (absent: the logistic regression), 'fasttext' (fasttext.ts), or 'ensemble' of the two. */
  model?: 'linear' | 'fasttext' | 'ensemble';
  fastText?: FastTextSettings;
  /** Ensemble: logits = linearShare · linear logits + (1 − linearShare) · fastText logits (so also one weight matrix). */
  linearShare?: number;
}

export interface CorpusRow { text: string; tokens: Token[]; label: Label; domain: string }
export interface Corpus { rows: CorpusRow[] }

export const MAX_ITERATIONS = 300;
export const TOLERANCE = 1e-5;

export const describe = (c: Candidate) =>
  `charN=${c.features.charN} bits=${c.features.hashBits} head=${c.features.headFeatures} dense×${c.features.denseWeight} ` +
  `l2=${c.l2} denseRatio=${c.denseRatio} weighting=${c.weighting} nb=${c.nb} trainOn=${c.trainOn}` +
  (c.model && c.model !== 'linear' && c.fastText
    ? ` model=${c.model} fastText(dim=${c.fastText.dim} epochs=${c.fastText.epochs} lr=${c.fastText.lr} nb=${c.fastText.nb} seed=${FASTTEXT_SEED})` +
      (c.model === 'ensemble' ? ` linearShare=${c.linearShare}` : '')
    : '');

let cached: { key: string; features: Features[] } | null = null;
/** Features of every row for one feature configuration (the last one is kept: variants mostly share it). */
function featuresOf(corpus: Corpus, config: FeatureConfig): Features[] {
  const key = JSON.stringify(config);
  if (cached?.key !== key || cached.features.length !== corpus.rows.length) {
    const extractor = new FeatureExtractor(config);
    cached = { key, features: corpus.rows.map((row) => extractor.extractTokens(row.text, row.tokens)) };
  }
  return cached.features;
}

function classWeights(corpus: Corpus, candidate: Candidate, on: readonly number[]): number[] {
  const rows = on.map((i) => corpus.rows[i]!);
  if (candidate.weighting === 'none') return rows.map(() => 1);
  const groupOf = (r: CorpusRow) => (candidate.weighting === 'domain' ? `${r.domain}|${r.label}` : r.label);
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(groupOf(r), (counts.get(groupOf(r)) ?? 0) + 1);
  return rows.map((r) => rows.length / (counts.size * counts.get(groupOf(r))!));
}

/** Per hashed bucket, max over classes of |log-count ratio| (presence counts, add-one smoothing). */
function nbScale(features: readonly Features[], labels: readonly number[], denseFrom: number): Float64Array {
  const count = new Float64Array(denseFrom * 3);
  const total = [0, 0, 0];
  features.forEach((f, i) => {
    for (const j of f.idx) if (j < denseFrom) {
      count[j * 3 + labels[i]!]!++;
      total[labels[i]!]!++;
    }
  });
  const all = total[0]! + total[1]! + total[2]!;
  const scale = new Float64Array(denseFrom).fill(1);
  for (let j = 0; j < denseFrom; j++) {
    const n = count[j * 3]! + count[j * 3 + 1]! + count[j * 3 + 2]!;
    if (n === 0) continue;
    let best = 0;
    for (let c = 0; c < 3; c++) {
      const p = (1 + count[j * 3 + c]!) / (denseFrom + total[c]!);
      const q = (1 + n - count[j * 3 + c]!) / (denseFrom + all - total[c]!);
      best = Math.max(best, Math.abs(Math.log(p / q)));
    }
    scale[j] = best;
  }
  return scale;
}

export interface Fitted { model: SentimentModel; weights: Float64Array; bias: number[]; iterations: number; denseMeans: number[] }

/** Fits one variant on the rows `on` (after its trainOn filter). */
export function fitModel(corpus: Corpus, candidate: Candidate, on: readonly number[]): Fitted {
  if (candidate.model !== 'ensemble') return fitOne(corpus, candidate, on);
  // Both parts are linear in the features, so their logit mix is one weight matrix: the committed
  // format, speed and reasons stay those of a single linear model. The hand-set weights are the
  // same in both parts, so the mix keeps them exactly.
  const share = candidate.linearShare ?? 0.5;
  const linear = fitOne(corpus, { ...candidate, model: 'linear' }, on);
  const fast = fitOne(corpus, { ...candidate, model: 'fasttext' }, on);
  const weights = new Float64Array(linear.weights.length);
  for (let i = 0; i < weights.length; i++) weights[i] = share * linear.weights[i]! + (1 - share) * fast.weights[i]!;
  const bias = linear.bias.map((b, c) => share * b + (1 - share) * fast.bias[c]!);
  const meta: ModelMeta = { ...linear.model.meta, bias };
  return { model: new SentimentModel(meta, Float32Array.from(weights)), weights, bias, iterations: linear.iterations, denseMeans: linear.denseMeans };
}

function fitOne(corpus: Corpus, candidate: Candidate, on: readonly number[]): Fitted {
  const neural = candidate.model === 'fasttext';
  const rowsOn = candidate.trainOn === 'all' ? on : on.filter((i) => corpus.rows[i]!.domain.includes(candidate.trainOn));
  const all = featuresOf(corpus, candidate.features);
  const extractor = new FeatureExtractor(candidate.features);
  const denseFrom = extractor.size - DENSE_FEATURES.length;
  const labels = rowsOn.map((i) => CLASSES.indexOf(corpus.rows[i]!.label));
  const handSet = Object.keys(HAND_SET_WEIGHTS).map((name) => denseFrom + DENSE_FEATURES.indexOf(name as (typeof DENSE_FEATURES)[number]));
  let features = rowsOn.map((i) => all[i]!);
  // Hand-set features are invisible to the fit (their weights stay 0 under L2), then set below.
  if (handSet.length) features = features.map((f) => ({ ...f, val: f.val.map((v, k) => (handSet.includes(f.idx[k]!) ? 0 : v)) }));
  const scale = (neural ? candidate.fastText!.nb : candidate.nb) ? nbScale(features, labels, denseFrom) : null;
  if (scale) features = features.map((f) => ({ ...f, val: f.val.map((v, k) => (f.idx[k]! < denseFrom ? v * scale[f.idx[k]!]! : v)) }));
  const weighted = classWeights(corpus, candidate, rowsOn);
  const trained = neural
    ? { ...trainFastText(features, labels, extractor.size, { ...candidate.fastText!, seed: FASTTEXT_SEED, rowWeights: weighted }), iterations: candidate.fastText!.epochs }
    : trainLogistic(features, labels, extractor.size, denseFrom, {
      l2: candidate.l2, l2Dense: candidate.l2 * candidate.denseRatio, rowWeights: weighted, classWeights: [1, 1, 1], maxIterations: MAX_ITERATIONS, tolerance: TOLERANCE,
    });
  // NB scaling is linear per feature: fold it into the weights so the model reads unscaled features.
  if (scale) for (let j = 0; j < denseFrom; j++) for (let c = 0; c < 3; c++) trained.weights[j * 3 + c]! *= scale[j]!;
  for (const [name, push] of Object.entries(HAND_SET_WEIGHTS)) {
    const at = denseFrom + DENSE_FEATURES.indexOf(name as (typeof DENSE_FEATURES)[number]);
    // The extracted value is scaled by denseWeight; the push is per unit of the unscaled feature.
    for (let c = 0; c < 3; c++) trained.weights[at * 3 + c] = candidate.features.denseWeight > 0 ? push![c]! / candidate.features.denseWeight : 0;
  }
  const denseMeans = DENSE_FEATURES.map((_, k) => {
    const sum = rowsOn.reduce((total, i) => total + all[i]!.val[all[i]!.val.length - DENSE_FEATURES.length + k]!, 0);
    return Number((sum / Math.max(rowsOn.length, 1)).toFixed(6));
  });
  const meta: ModelMeta = {
    format: 1, classes: CLASSES, features: candidate.features, lexicon: lexiconFingerprint(), featuresVersion: FEATURES_VERSION, bias: trained.bias, denseMeans,
    weights: { file: 'model.bin', encoding: 'int16', scale: 1, sha256: '' }, training: {},
  };
  return { model: new SentimentModel(meta, Float32Array.from(trained.weights)), weights: trained.weights, bias: trained.bias, iterations: trained.iterations, denseMeans };
}

/** mulberry32: a tiny seeded PRNG so the folds are the same on every machine. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** k folds stratified by file and label: fold f gets every k-th member of each (file, label) group after a seeded shuffle. */
export function stratifiedFolds(corpus: Corpus, k: number, seed: number): number[][] {
  const next = random(seed);
  const groups = new Map<string, number[]>();
  corpus.rows.forEach((r, i) => {
    const key = `${r.domain}|${r.label}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const folds: number[][] = Array.from({ length: k }, () => []);
  for (const key of [...groups.keys()].sort()) {
    const members = groups.get(key)!;
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [members[i], members[j]] = [members[j]!, members[i]!];
    }
    members.forEach((member, n) => folds[n % k]!.push(member));
  }
  return folds.map((fold) => fold.sort((a, b) => a - b));
}

export interface CvResult {
  candidate: Candidate;
  cv: Metrics;
  cvByDomain: Record<string, Metrics>;
  /** Mean macro-F1 of the fold models on each eval file (only when eval rows were given). */
  evalByDomain: Record<string, number>;
  /** Per fold, per eval file: the fold model's logits on each eval row (for mixing two variants after the fact). */
  evalLogits: Array<Record<string, number[][]>>;
  oofLogits: number[][];
  oofGold: number[];
  seconds: number;
}

export const argmax = (z: readonly number[]) => CLASSES[z[0]! >= z[1]! ? (z[0]! >= z[2]! ? 0 : 2) : z[1]! >= z[2]! ? 1 : 2]!;

export function crossValidate(corpus: Corpus, candidate: Candidate, k: number, seed: number, evalSet?: Corpus): CvResult {
  const started = performance.now();
  const features = () => featuresOf(corpus, candidate.features);
  const oofLogits: number[][] = new Array<number[]>(corpus.rows.length);
  const evalSums: Record<string, number> = {};
  const evalLogits: Array<Record<string, number[][]>> = [];
  for (const validation of stratifiedFolds(corpus, k, seed)) {
    const held = new Set(validation);
    const fitted = fitModel(corpus, candidate, corpus.rows.map((_, i) => i).filter((i) => !held.has(i)));
    const f = features();
    for (const i of validation) oofLogits[i] = fitted.model.logits(f[i]!);
    if (evalSet) {
      evalLogits.push({});
      const extractor = fitted.model.extractor;
      for (const domain of new Set(evalSet.rows.map((r) => r.domain))) {
        const rows = evalSet.rows.filter((r) => r.domain === domain);
        const logits = rows.map((r) => fitted.model.logits(extractor.extractTokens(r.text, r.tokens)));
        evalLogits[evalLogits.length - 1]![domain] = logits;
        const predicted = logits.map(argmax);
        evalSums[domain] = (evalSums[domain] ?? 0) + evaluate(rows.map((r) => r.label), predicted).macroF1 / k;
      }
    }
  }
  const gold = corpus.rows.map((r) => r.label);
  const predicted = oofLogits.map(argmax);
  const cvByDomain: Record<string, Metrics> = {};
  for (const domain of new Set(corpus.rows.map((r) => r.domain))) {
    const at = corpus.rows.flatMap((r, i) => (r.domain === domain ? [i] : []));
    cvByDomain[domain] = evaluate(at.map((i) => gold[i]!), at.map((i) => predicted[i]!));
  }
  return {
    candidate, cv: evaluate(gold, predicted), cvByDomain, evalByDomain: evalSums, evalLogits, oofLogits, oofGold: gold.map((l) => CLASSES.indexOf(l)),
    seconds: (performance.now() - started) / 1000,
  };
}

const round6 = (x: number) => Number(x.toPrecision(6));

/**
 * Temperature for the probabilities (grid search of the out-of-fold log-loss), then a Platt curve
 * P(label right) = σ(a·margin + b) on the tempered margin, fitted by Newton's method.
 */
export function fitCalibration(logits: readonly number[][], gold: readonly number[]): Calibration {
  let temperature = 1;
  let bestLoss = Infinity;
  for (let t = 0.3; t <= 5.0001; t += 0.02) {
    let loss = 0;
    logits.forEach((z, i) => {
      const max = Math.max(...z);
      const sum = z.reduce((s, v) => s + Math.exp((v - max) / t), 0);
      loss -= (z[gold[i]!]! - max) / t - Math.log(sum);
    });
    if (loss < bestLoss) [bestLoss, temperature] = [loss, Number(t.toFixed(2))];
  }
  const margins = logits.map((z) => marginOf(z) / temperature);
  const correct = logits.map((z, i) => (z.indexOf(Math.max(...z)) === gold[i] ? 1 : 0));
  let a = 1;
  let b = 0;
  for (let iteration = 0; iteration < 50; iteration++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    margins.forEach((m, i) => {
      const p = 1 / (1 + Math.exp(-(a * m + b)));
      const w = p * (1 - p);
      ga += (p - correct[i]!) * m;
      gb += p - correct[i]!;
      haa += w * m * m + 1e-9;
      hab += w * m;
      hbb += w + 1e-9;
    });
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    a -= (hbb * ga - hab * gb) / det;
    b -= (haa * gb - hab * ga) / det;
  }
  // A non-increasing curve would break "more margin, more confidence"; fall back to the identity-like one.
  if (!(a > 0)) [a, b] = [1, 0];
  return { temperature, confidence: { a: round6(a), b: round6(b) } };
}

/** The gap between the highest and the second highest logit. */
export function marginOf(z: readonly number[]): number {
  const sorted = [...z].sort((x, y) => y - x);
  return sorted[0]! - sorted[1]!;
}
