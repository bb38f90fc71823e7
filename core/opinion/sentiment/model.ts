/**
 * The trained model: a linear model over the hashed features, three classes (the logistic
 * regression, or its mix with the fastText-style network of fasttext.ts, which folds into the same
 * feature × class matrix).
 *
 * Stored as `data/model.json` (metadata, feature configuration, bias) and `data/model.bin` (the
 * weight matrix, feature-major, quantised to int16 with one scale: a quarter of the float32 size
 * and no measurable change in predictions). Loaded from the package directory, never fetched.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURES_VERSION, FeatureExtractor, type FeatureConfig, type Features } from './features.ts';
import { DENSE_FEATURES, DENSE_LABELS, lexiconFingerprint, type LexiconHit } from './lexicon.ts';

export const CLASSES = ['neg', 'neu', 'pos'] as const;
export type Label = (typeof CLASSES)[number];
const NEG = 0;
const POS = 2;

export const DEFAULT_MODEL_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');

export interface ModelMeta {
  format: 1;
  classes: readonly Label[];
  features: FeatureConfig;
  lexicon: string;
  featuresVersion: number;
  bias: number[];
  /**
   * Training means of the dense features. Reasons credit (value − mean) × weight, i.e. what is
   * unusual about this text: otherwise 'length' would top every list just for being non-zero.
   */
  denseMeans?: number[];
  weights: { file: string; encoding: 'int16'; scale: number; sha256: string };
  /** Fitted on out-of-fold logits of the training rows; absent in models trained before it existed. */
  calibration?: Calibration;
  training: Record<string, unknown>;
}

/**
 * Probabilities are softmax(logits / temperature); confidence = σ(a · margin + b), the margin being
 * the gap between the two highest tempered logits: how often, on held-out training rows, a label
 * given with that margin was right.
 */
export interface Calibration {
  temperature: number;
  confidence: { a: number; b: number };
}

/** A reason: a word, span, lexicon hit or rule, and how far it pushed the text toward pos (+) or neg (−). */
export interface Reason {
  token: string;
  weight: number;
}

export interface Prediction {
  label: Label;
  /** P(pos) − P(neg): −1 clearly negative … +1 clearly positive; near 0 for neutral or mixed text. */
  score: number;
  probs: Record<Label, number>;
  /**
   * In [0, 1], rising with the margin between the top two classes: the calibrated chance that
   * `label` is right. Low (see UNCERTAIN_BELOW) means a press officer should read it themselves.
   */
  confidence: number;
  reasons: Reason[];
}

/** Below this confidence a label is "uncertain" (the opinion API's `uncertain` filter). */
export const UNCERTAIN_BELOW = 0.6;

export class SentimentModel {
  readonly extractor: FeatureExtractor;

  constructor(
    readonly meta: ModelMeta,
    /** weights[feature * 3 + class] */
    readonly weights: Float32Array,
  ) {
    this.extractor = new FeatureExtractor(meta.features);
    if (weights.length !== this.extractor.size * CLASSES.length) throw new Error('sentiment model: weight matrix has the wrong size');
  }

  static load(dir = DEFAULT_MODEL_DIR): SentimentModel {
    const meta = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelMeta;
    if (meta.format !== 1) throw new Error(`sentiment model: unknown format ${String(meta.format)}`);
    if (meta.lexicon !== lexiconFingerprint() || meta.featuresVersion !== FEATURES_VERSION) {
      // The features depend on the lexicon and the extraction; a model trained on others would be silently wrong.
      throw new Error('sentiment model: trained with a different lexicon or feature extraction; run npm run train:sentiment');
    }
    const bytes = readFileSync(path.join(dir, meta.weights.file));
    if (createHash('sha256').update(bytes).digest('hex') !== meta.weights.sha256) throw new Error('sentiment model: weights file corrupt');
    // Little-endian int16; copied when Node hands back a buffer at an odd offset.
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : new Uint8Array(bytes);
    const quantised = new Int16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
    const weights = new Float32Array(quantised.length);
    for (let i = 0; i < quantised.length; i++) weights[i] = quantised[i]! * meta.weights.scale;
    return new SentimentModel(meta, weights);
  }

  logits(features: Features): [number, number, number] {
    const out: [number, number, number] = [this.meta.bias[0] ?? 0, this.meta.bias[1] ?? 0, this.meta.bias[2] ?? 0];
    const { idx, val } = features;
    for (let k = 0; k < idx.length; k++) {
      const base = idx[k]! * 3;
      const v = val[k]!;
      out[0] += v * this.weights[base]!;
      out[1] += v * this.weights[base + 1]!;
      out[2] += v * this.weights[base + 2]!;
    }
    return out;
  }

  /** The most probable label for already extracted features (training and the bench use this). */
  classify(features: Features): Label {
    const z = this.logits(features);
    return CLASSES[z[0] >= z[1] ? (z[0] >= z[2] ? 0 : 2) : z[1] >= z[2] ? 1 : 2]!;
  }

  predict(text: string, options: { reasons?: boolean; maxReasons?: number } = {}): Prediction {
    const explain = options.reasons ?? true;
    const features = this.extractor.extract(text, explain);
    const { probs, confidence } = this.calibrated(this.logits(features));
    let best = 0;
    for (let c = 1; c < CLASSES.length; c++) if (probs[c]! > probs[best]!) best = c;
    return {
      label: CLASSES[best]!,
      score: round(probs[POS]! - probs[NEG]!, 4),
      probs: { neg: round(probs[0]!, 4), neu: round(probs[1]!, 4), pos: round(probs[2]!, 4) },
      confidence: round(confidence, 4),
      reasons: explain ? this.reasons(features, options.maxReasons ?? 8) : [],
    };
  }

  /** Tempered probabilities and the confidence for raw logits (the bench's calibration table uses this too). */
  calibrated(logits: readonly number[]): { probs: number[]; confidence: number; margin: number } {
    const t = this.meta.calibration?.temperature ?? 1;
    const { a, b } = this.meta.calibration?.confidence ?? { a: 1, b: 0 };
    const tempered = logits.map((z) => z / t);
    const sorted = [...tempered].sort((x, y) => y - x);
    const margin = sorted[0]! - sorted[1]!;
    return { probs: softmax(tempered), confidence: 1 / (1 + Math.exp(-(a * margin + b))), margin };
  }

  /**
   * Each feature's push toward pos minus its push toward neg, summed per word a reader would
   * recognise. Dense lexicon features are shared out among the hits that produced them.
   */
  private reasons(features: Features, max: number): Reason[] {
    const totals = new Map<string, number>();
    const credit = (token: string, amount: number) => totals.set(token, (totals.get(token) ?? 0) + amount);
    const base = this.extractor.size - DENSE_FEATURES.length;
    const { idx, val, display = [], hits } = features;
    for (let k = 0; k < idx.length; k++) {
      const index = idx[k]!;
      const push = val[k]! * (this.weights[index * 3 + POS]! - this.weights[index * 3 + NEG]!);
      if (push === 0) continue;
      if (index < base) {
        credit(display[k] ?? '?', push);
        continue;
      }
      const name = DENSE_FEATURES[index - base]!;
      const mean = this.meta.denseMeans?.[index - base] ?? 0;
      const delta = (val[k]! - mean) * (this.weights[index * 3 + POS]! - this.weights[index * 3 + NEG]!);
      if (Math.abs(delta) < 1e-9) continue;
      const owners = hits.filter(DENSE_OWNERS[name] ?? (() => false));
      const total = owners.reduce((sum, hit) => sum + Math.abs(hit.value), 0);
      if (owners.length === 0 || total === 0) credit(DENSE_LABELS[name] ?? `<${name}>`, delta);
      else for (const hit of owners) credit(hit.display, (delta * Math.abs(hit.value)) / total);
    }
    return [...totals]
      .map(([token, weight]) => ({ token, weight: round(weight, 3) }))
      // Punctuation moves the score a little but tells a press officer nothing.
      .filter((reason) => Math.abs(reason.weight) >= 0.01 && !PUNCTUATION_ONLY.test(reason.token))
      .sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.token.localeCompare(b.token))
      .slice(0, max);
  }
}

const PUNCTUATION_ONLY = /^[\p{P}\s]+$/u;

/** Which lexicon hits a dense feature is made of, for sharing its contribution out. */
const DENSE_OWNERS: Partial<Record<(typeof DENSE_FEATURES)[number], (hit: LexiconHit) => boolean>> = {
  lex_pos: (hit) => hit.kind === 'word' && hit.value > 0,
  lex_neg: (hit) => hit.kind === 'word' && hit.value < 0,
  negated: (hit) => hit.negated,
  emo_pos: (hit) => hit.kind === 'emoticon' && hit.value > 0,
  emo_neg: (hit) => hit.kind === 'emoticon' && hit.value < 0,
  rhetorical: (hit) => hit.kind === 'rhetorical',
  sarcasm: (hit) => hit.kind === 'sarcasm' || hit.display === '[微笑]',
  lex_balance: (hit) => hit.kind === 'word' || hit.kind === 'emoticon',
};

export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor || 0;
}

/** Quantises trained weights for `model.bin`: int16 with one symmetric scale. */
export function quantise(weights: Float64Array | Float32Array): { bytes: Buffer; scale: number; sha256: string } {
  let max = 0;
  for (const w of weights) max = Math.max(max, Math.abs(w));
  const scale = max > 0 ? max / 32767 : 1;
  const out = new Int16Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = Math.round(weights[i]! / scale);
  const bytes = Buffer.from(out.buffer);
  return { bytes, scale, sha256: createHash('sha256').update(bytes).digest('hex') };
}
