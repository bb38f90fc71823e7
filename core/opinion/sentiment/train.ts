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

export function trainLogistic(rows: readonly Features[], labels: readonly number[], size: number, denseFrom: number, options: TrainOptions): Trained {
  const nParams = size * K + K;
  const totalWeight = labels.reduce((sum, y) => sum + (options.classWeights[y] ?? 1), 0);

  const objective = (x: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    let loss = 0;
    const logits = new Float64Array(K);
    rows.forEach((row, i) => {
      const y = labels[i]!;
      const w = (options.classWeights[y] ?? 1) / totalWeight;
      for (let c = 0; c < K; c++) logits[c] = x[size * K + c]!;
      for (let k = 0; k < row.idx.length; k++) {
        const base = row.idx[k]! * K;
        const v = row.val[k]!;
        for (let c = 0; c < K; c++) logits[c]! += v * x[base + c]!;
      }
      let max = -Infinity;
      for (let c = 0; c < K; c++) max = Math.max(max, logits[c]!);
      let sum = 0;
      for (let c = 0; c < K; c++) sum += Math.exp(logits[c]! - max);
      const logSum = max + Math.log(sum);
      loss += w * (logSum - logits[y]!);
      for (let c = 0; c < K; c++) {
        const g = w * (Math.exp(logits[c]! - logSum) - (c === y ? 1 : 0));
        grad[size * K + c]! += g;
        for (let k = 0; k < row.idx.length; k++) grad[row.idx[k]! * K + c]! += g * row.val[k]!;
      }
    });
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

/** Limited-memory BFGS (memory 10) with a backtracking Armijo line search. */
function lbfgs(f: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, maxIterations: number, tolerance: number) {
  const m = 10;
  const n = x0.length;
  let x = x0;
  let g = new Float64Array(n);
  let value = f(x, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const history: number[] = [value];
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // Two-loop recursion: direction = -H·g.
    const d = Float64Array.from(g, (v) => -v);
    const alphas: number[] = [];
    for (let i = sList.length - 1; i >= 0; i--) {
      const rho = 1 / dot(yList[i]!, sList[i]!);
      const alpha = rho * dot(sList[i]!, d);
      alphas[i] = alpha;
      const y = yList[i]!;
      for (let j = 0; j < n; j++) d[j]! -= alpha * y[j]!;
    }
    if (sList.length) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let j = 0; j < n; j++) d[j]! *= gamma;
    } else {
      const norm = Math.sqrt(dot(d, d));
      for (let j = 0; j < n; j++) d[j]! /= Math.max(norm, 1);
    }
    for (let i = 0; i < sList.length; i++) {
      const rho = 1 / dot(yList[i]!, sList[i]!);
      const beta = rho * dot(yList[i]!, d);
      const s = sList[i]!;
      for (let j = 0; j < n; j++) d[j]! += s[j]! * (alphas[i]! - beta);
    }
    const slope = dot(g, d);
    if (slope >= 0) break; // not a descent direction: numerically converged
    let step = 1;
    const xNew = new Float64Array(n);
    const gNew = new Float64Array(n);
    let valueNew = Infinity;
    for (let tries = 0; tries < 30; tries++, step /= 2) {
      for (let j = 0; j < n; j++) xNew[j] = x[j]! + step * d[j]!;
      valueNew = f(xNew, gNew);
      if (valueNew <= value + 1e-4 * step * slope) break;
    }
    if (!(valueNew < value)) break;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = xNew[j]! - x[j]!;
      y[j] = gNew[j]! - g[j]!;
    }
    if (dot(s, y) > 1e-12) {
      sList.push(s);
      yList.push(y);
      if (sList.length > m) {
        sList.shift();
        yList.shift();
      }
    }
    x = xNew;
    g = gNew;
    value = valueNew;
    history.push(value);
    const before = history[history.length - 6];
    if (before !== undefined && (before - value) / Math.max(Math.abs(value), 1e-12) < tolerance) break;
  }
  return { x, iterations, value };
}
