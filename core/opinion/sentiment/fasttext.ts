/**
 * A fastText-style classifier trained here: every hashed feature (jieba word, character n-gram,
 * lexicon hit, dense lexicon cue) has an embedding of `dim` numbers; a text's vector is the sum of
 * its features' embeddings weighted by the extractor's values (binary, L2-normalised, so a long
 * post is not louder than a short one); a linear softmax layer reads that vector. Plain SGD with a
 * linearly decaying learning rate, the rows shuffled by a seeded PRNG each epoch, as fastText does.
 *
 * There is no non-linearity between the embedding and the softmax, so once trained the model is
 * again linear in the features: logit_c = b_c + Σ_k v_k · (U·E[i_k])_c. It is folded into the same
 * feature × class weight matrix the logistic regression ships (`weights[i * 3 + c] = U_c · E[i]`),
 * which keeps the model file, the load time, the speed and the per-word reasons exactly as they
 * are. What differs from the logistic regression is how it is fitted: a shared low-dimensional
 * embedding and early stopping by the number of epochs instead of an L2 penalty at the optimum.
 */
import type { Features } from './features.ts';

export interface FastTextOptions {
  dim: number;
  epochs: number;
  /** Initial learning rate; decays linearly to 0 over all updates. */
  lr: number;
  seed: number;
  /** Per-row loss weights (1 when absent). */
  rowWeights?: readonly number[];
}

const K = 3;

/** mulberry32, the same tiny seeded PRNG as the folds: identical numbers on every machine. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Trains on `rows` and returns the folded weight matrix (fullSize × 3, zero for buckets never seen
 * in training) and the bias. Only the buckets that occur get an embedding, as in trainLogistic.
 */
export interface FastTextTrained {
  weights: Float64Array;
  bias: number[];
  updates: number;
  /** The network itself (embedding of bucket i at row compact[i], −1 if unseen; output layer class-major), for checking the fold. */
  network: { dim: number; embeddings: Float64Array; output: Float64Array; compact: Int32Array };
}

export function trainFastText(rows: readonly Features[], labels: readonly number[], fullSize: number, options: FastTextOptions): FastTextTrained {
  const { dim, epochs, lr } = options;
  const next = random(options.seed);
  const compact = new Int32Array(fullSize).fill(-1);
  let used = 0;
  // Buckets numbered in order of first appearance: deterministic and cache-friendly enough.
  const compactRows = rows.map((row) => {
    const idx = new Int32Array(row.idx.length);
    for (let k = 0; k < row.idx.length; k++) {
      const full = row.idx[k]!;
      if (compact[full] === -1) compact[full] = used++;
      idx[k] = compact[full]!;
    }
    return { idx, val: row.val };
  });
  // fastText's initialisation: input embeddings uniform in ±1/dim, the output layer at zero.
  const E = new Float64Array(used * dim);
  for (let i = 0; i < E.length; i++) E[i] = (next() * 2 - 1) / dim;
  const U = new Float64Array(K * dim);
  const b = new Float64Array(K);
  const h = new Float64Array(dim);
  const gh = new Float64Array(dim);
  const order = rows.map((_, i) => i);
  const total = epochs * rows.length;
  let t = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const r of order) {
      const rate = lr * (1 - t / total);
      t++;
      const { idx, val } = compactRows[r]!;
      h.fill(0);
      for (let k = 0; k < idx.length; k++) {
        const v = val[k]!;
        if (v === 0) continue;
        const base = idx[k]! * dim;
        for (let j = 0; j < dim; j++) h[j]! += v * E[base + j]!;
      }
      let z0 = b[0]!, z1 = b[1]!, z2 = b[2]!;
      for (let j = 0; j < dim; j++) {
        z0 += U[j]! * h[j]!;
        z1 += U[dim + j]! * h[j]!;
        z2 += U[2 * dim + j]! * h[j]!;
      }
      const max = Math.max(z0, z1, z2);
      const e0 = Math.exp(z0 - max), e1 = Math.exp(z1 - max), e2 = Math.exp(z2 - max);
      const sum = e0 + e1 + e2;
      const y = labels[r]!;
      const w = options.rowWeights?.[r] ?? 1;
      const g0 = w * (e0 / sum - (y === 0 ? 1 : 0));
      const g1 = w * (e1 / sum - (y === 1 ? 1 : 0));
      const g2 = w * (e2 / sum - (y === 2 ? 1 : 0));
      for (let j = 0; j < dim; j++) {
        gh[j] = g0 * U[j]! + g1 * U[dim + j]! + g2 * U[2 * dim + j]!;
        U[j]! -= rate * g0 * h[j]!;
        U[dim + j]! -= rate * g1 * h[j]!;
        U[2 * dim + j]! -= rate * g2 * h[j]!;
      }
      b[0]! -= rate * g0;
      b[1]! -= rate * g1;
      b[2]! -= rate * g2;
      for (let k = 0; k < idx.length; k++) {
        const v = val[k]!;
        if (v === 0) continue;
        const base = idx[k]! * dim;
        for (let j = 0; j < dim; j++) E[base + j]! -= rate * v * gh[j]!;
      }
    }
  }
  const weights = new Float64Array(fullSize * K);
  for (let full = 0; full < fullSize; full++) {
    const c = compact[full]!;
    if (c < 0) continue;
    const base = c * dim;
    for (let k = 0; k < K; k++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += U[k * dim + j]! * E[base + j]!;
      weights[full * K + k] = s;
    }
  }
  return { weights, bias: Array.from(b), updates: t, network: { dim, embeddings: E, output: U, compact } };
}
