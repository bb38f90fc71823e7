/**
 * Sentiment of comments on government posts: neg / neu / pos, a score, and the words that decided it.
 *
 *   import { analyse } from './core/opinion/sentiment/index.ts';
 *   analyse('办事效率太低了，一拖再拖[怒]')
 *   // → { label: 'neg', score: -0.9, probs: {…}, reasons: [{ token: '一拖再拖', weight: -1.2 }, …] }
 *
 * `score` is P(pos) − P(neg) in [−1, 1]; `confidence` in [0, 1] is the calibrated chance the label is
 * right, rising with the margin between the two likeliest classes (below UNCERTAIN_BELOW, 0.6, a
 * press officer should read the text). A reason's weight is how far that word, emoticon or rule
 * (e.g. 难道…吗, <问句>) pushed the text toward pos (+) or neg (−), so press officers can see why.
 * The model (hashed logistic regression mixed with a fastText-style network, folded into one linear
 * weight matrix, + a hand-written lexicon, trained on two SMP2020 Weibo files, see data/PROVENANCE.md) is read
 * from data/ once per process: jieba's dictionary and the weights load in well under a second.
 */
import { jieba } from './features.ts';
import { DEFAULT_MODEL_DIR, SentimentModel, type Prediction } from './model.ts';

export type { Label, Prediction, Reason } from './model.ts';
export { CLASSES, UNCERTAIN_BELOW } from './model.ts';

export interface AnalyseOptions {
  /** Compute the reasons (default true); the CLI turns them off for speed. */
  reasons?: boolean;
  maxReasons?: number;
}

export interface Sentiment {
  readonly model: SentimentModel;
  analyse(text: string, options?: AnalyseOptions): Prediction;
}

const loaded = new Map<string, Sentiment>();

/** Loads the model (once per directory per process) and the segmenter, so later calls are fast. */
export function createSentiment(options: { modelDir?: string } = {}): Sentiment {
  const dir = options.modelDir ?? DEFAULT_MODEL_DIR;
  let sentiment = loaded.get(dir);
  if (!sentiment) {
    const model = SentimentModel.load(dir);
    jieba(); // segmenter dictionary loaded now rather than on the first text
    sentiment = { model, analyse: (text, analyseOptions = {}) => model.predict(text, analyseOptions) };
    loaded.set(dir, sentiment);
  }
  return sentiment;
}

/** Analyses one text with the shared default model. */
export function analyse(text: string, options?: AnalyseOptions): Prediction {
  return createSentiment().analyse(text, options);
}
