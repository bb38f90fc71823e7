/**
 * Trains the multinomial logistic regression: full-batch L-BFGS on the weighted, L2-regularised
 * cross-entropy. Full batch because the data set is small (thousands of rows): every gradient is
 * exact, the result does not depend on a learning rate or on shuffling, and the same inputs give
 * the same weights on every run.
 */
import type { Features } from './features.ts';

export interface TrainOptions {
  /** L2 strength on the hashed word/n-gram weights. */
  l2: number;
  /** L2 strength on the dense lexicon weights; smaller, so the lexicon can speak loudly. */
  l2Dense: number;
  /** Per-class loss weights (CLASSES order); balanced weights stop the majority class winning by default. */
  classWeights: readonly number[];
  /** Per-row loss weights; when given they replace the class weights (e.g. balanced per file and class). */
  rowWeights?: readonly number[];
  maxIterations: number;
  /** Stop when the objective improves by less than this (relative) over 5 iterations. */
  tolerance: number;
}

export interface Trained {
  weights: Float64Array;
  bias: number[];
  iterations: number;
  loss: number;
}

const K = 3;

/**
 * Features never seen in training keep weight 0 under L2 (their gradient is only the penalty), so
 * training runs in a compact space of the buckets that occur, most frequent first: the hot
 * weights then share cache lines, which makes each pass several times faster than over 2^18
 * scattered buckets. The result is scattered back to the full hashed layout.
 */
export function trainLogistic(rows: readonly Features[], labels: readonly number[], fullSize: number, fullDenseFrom: number, options: TrainOptions): Trained {
  const frequency = new Int32Array(fullSize);
  for (const row of rows) for (const index of row.idx) frequency[index]!++;
  // Dense features go last, in order, so one boundary still separates their L2 strength.
  const used: number[] = [];
  for (let i = 0; i < fullDenseFrom; i++) if (frequency[i]! > 0) used.push(i);
  used.sort((a, b) => frequency[b]! - frequency[a]! || a - b);
  const order = [...used];
  for (let i = fullDenseFrom; i < fullSize; i++) order.push(i);
  const compact = new Int32Array(fullSize);
  order.forEach((full, i) => (compact[full] = i));
  const compactRows = rows.map((row) => ({ idx: row.idx.map((i) => compact[i]!), val: row.val }));
  const trained = trainCompact(compactRows, labels, order.length, used.length, options);
  const weights = new Float64Array(fullSize * K);
  order.forEach((full, i) => {
    for (let c = 0; c < K; c++) weights[full * K + c] = trained.weights[i * K + c]!;
  });
  return { ...trained, weights };
}

function trainCompact(rows: ReadonlyArray<Pick<Features, 'idx' | 'val'>>, labels: readonly number[], size: number, denseFrom: number, options: TrainOptions): Trained {
  const nParams = size * K + K;
  const rowWeight = (i: number) => options.rowWeights?.[i] ?? options.classWeights[labels[i]!] ?? 1;
  let totalWeight = 0;
  for (let i = 0; i < labels.length; i++) totalWeight += rowWeight(i);

  const objective = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const biasAt = size * K;
    // K = 3 written out: one pass per row for the logits and one for the gradient.
    for (let i = 0; i < rows.length; i++) {
      const { idx, val } = rows[i]!;
      const y = labels[i]!;
      const w = rowWeight(i) / totalWeight;
      let z0 = x[biasAt]!;
      let z1 = x[biasAt + 1]!;
      let z2 = x[biasAt + 2]!;
      for (let k = 0; k < idx.length; k++) {
        const base = idx[k]! * K;
        const v = val[k]!;
        z0 += v * x[base]!;
        z1 += v * x[base + 1]!;
        z2 += v * x[base + 2]!;
      }
      const max = Math.max(z0, z1, z2);
      const logSum = max + Math.log(Math.exp(z0 - max) + Math.exp(z1 - max) + Math.exp(z2 - max));
      loss += w * (logSum - (y === 0 ? z0 : y === 1 ? z1 : z2));
      const g0 = w * (Math.exp(z0 - logSum) - (y === 0 ? 1 : 0));
      const g1 = w * (Math.exp(z1 - logSum) - (y === 1 ? 1 : 0));
      const g2 = w * (Math.exp(z2 - logSum) - (y === 2 ? 1 : 0));
      grad[biasAt]! += g0;
      grad[biasAt + 1]! += g1;
      grad[biasAt + 2]! += g2;
      for (let k = 0; k < idx.length; k++) {
        const base = idx[k]! * K;
        const v = val[k]!;
        grad[base]! += g0 * v;
        grad[base + 1]! += g1 * v;
        grad[base + 2]! += g2 * v;
      }
    }
    // The bias is not regularised; dense features (index >= denseFrom) get their own strength.
    for (let j = 0; j < size * K; j++) {
      const l2 = j >= denseFrom * K ? options.l2Dense : options.l2;
      loss += 0.5 * l2 * x[j]! * x[j]!;
      grad[j]! += l2 * x[j]!;
    }
    return loss;
  };

  const { x, iterations, value } = lbfgs(objective, new Float64Array(nParams), options.maxIterations, options.tolerance);
  return { weights: x.subarray(0, size * K), bias: Array.from(x.subarray(size * K)), iterations, loss: value };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Limited-memory BFGS (memory 10) with a backtracking Armijo line search. Buffers are allocated
 * once and recycled: with ~10^6 parameters, allocating per iteration costs more than the maths.
 */
function lbfgs(f: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, maxIterations: number, tolerance: number) {
  const m = 10;
  const n = x0.length;
  let x: Float64Array = x0;
  let g: Float64Array = new Float64Array(n);
  let xNew: Float64Array = new Float64Array(n);
  let gNew: Float64Array = new Float64Array(n);
  const d = new Float64Array(n);
  const free = Array.from({ length: m }, () => ({ s: new Float64Array(n), y: new Float64Array(n), rho: 0 }));
  const pairs: typeof free = [];
  let value = f(x, g);
  const history: number[] = [value];
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Two-loop recursion: d = -H·g.
    for (let j = 0; j < n; j++) d[j] = -g[j]!;
    const alphas = new Array<number>(pairs.length).fill(0);
    for (let i = pairs.length - 1; i >= 0; i--) {
      const { s, y, rho } = pairs[i]!;
      const alpha = rho * dot(s, d);
      alphas[i] = alpha;
      for (let j = 0; j < n; j++) d[j]! -= alpha * y[j]!;
    }
    const last = pairs[pairs.length - 1];
    const gamma = last ? dot(last.s, last.y) / dot(last.y, last.y) : 1 / Math.max(Math.sqrt(dot(d, d)), 1);
    for (let j = 0; j < n; j++) d[j]! *= gamma;
    for (let i = 0; i < pairs.length; i++) {
      const { s, y, rho } = pairs[i]!;
      const beta = rho * dot(y, d);
      const coefficient = alphas[i]! - beta;
      for (let j = 0; j < n; j++) d[j]! += coefficient * s[j]!;
    }
    const slope = dot(g, d);
    if (slope >= 0) break; // not a descent direction: numerically converged
    let step = 1;
    let valueNew = Infinity;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      for (let j = 0; j < n; j++) xNew[j] = x[j]! + step * d[j]!;
      valueNew = f(xNew, gNew);
      if (valueNew <= value + 1e-4 * step * slope) break;
    }
    if (!(valueNew < value)) break;
    const pair = free.pop() ?? pairs.shift()!;
    for (let j = 0; j < n; j++) {
      pair.s[j] = xNew[j]! - x[j]!;
      pair.y[j] = gNew[j]! - g[j]!;
    }
    const sy = dot(pair.s, pair.y);
    if (sy > 1e-12) {
      pair.rho = 1 / sy;
      pairs.push(pair);
    } else {
      free.push(pair); // no usable curvature this step: skip the pair
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    value = valueNew;
    history.push(value);
    const before = history[history.length - 6];
    if (before !== undefined && (before - value) / Math.max(Math.abs(value), 1e-12) < tolerance) break;
  }
  return { x, iterations, value };
}
