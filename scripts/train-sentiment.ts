/**
 * Trains the public-opinion sentiment model: `npm run train:sentiment [-- --search]`.
 *
 * Reads the development training files (../shared/data/sentiment/smp2020_virus_train.jsonl and
 * smp2020_usual_train.jsonl, rows {"text","label"}; see ../shared/data/sentiment/SOURCES.md) — that
 * data is never copied into the project, only the learned weights are.
 *
 * Default run: the configuration chosen by the search (CHOSEN below) is cross-validated on the
 * training rows (stratified by file and label, 3 folds, fixed seed); the pooled out-of-fold logits
 * fit the calibration (a temperature for the probabilities, a Platt curve on the margin for the
 * confidence); then it is refitted on all training rows and written to core/opinion/sentiment/data/
 * as model.json + model.bin (deterministic: the same data and code give the same bytes) and
 * PROVENANCE.md (sources, hyper-parameters, the search table, CV metrics and dates).
 *
 * `--search`: cross-validates every variant of SEARCH (the same folds), picks by CV only, and writes
 * data/search.json, which PROVENANCE.md and the README table are made from. For that table only,
 * each variant's three fold models are also scored on the eval files (mean of the three) — the eval
 * rows are never trained on and take no part in the choice. `--extend` and `--neural` run later stages
 * on top of search.json's choice (the topic features; the fastText-style model and its ensembles with
 * the linear one) and append their rows.
 *
 * Segmentation is done once per text and cached in /tmp (jieba is most of the extraction time).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FEATURES_VERSION, normalise, tokenise, type FeatureConfig } from '../core/opinion/sentiment/features.ts';
import { HAND_SET_WEIGHTS } from '../core/opinion/sentiment/dense.ts';
import { DENSE_FEATURES, EMOTICON_COUNT, lexiconFingerprint, WORD_POLARITY, type Token } from '../core/opinion/sentiment/lexicon.ts';
import { evaluate, formatMetrics, type Metrics } from '../core/opinion/sentiment/metrics.ts';
import { CLASSES, quantise, type Label, type ModelMeta } from '../core/opinion/sentiment/model.ts';
import { argmax, FASTTEXT_SEED, crossValidate, describe, fitModel, fitCalibration, type Candidate, type Corpus, type CvResult, type FastTextSettings } from '../core/opinion/sentiment/train-run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = path.resolve(root, '../shared/data/sentiment');
const { values: args } = parseArgs({
  options: {
    data: { type: 'string', multiple: true },
    eval: { type: 'string', multiple: true },
    out: { type: 'string', default: path.join(root, 'core/opinion/sentiment/data') },
    search: { type: 'boolean', default: false },
    /** Runs the later variants (EXTEND) on top of data/search.json's choice and adds them to it. */
    extend: { type: 'boolean', default: false },
    /**
     * Runs the fastText-style model (fasttext.ts) and its ensembles with the chosen linear model on
     * top of data/search.json's choice and adds them to it. `--variants '[{"dim":16,…}]'` overrides
     * the fastText settings tried (for quick iteration with --rows and a scratch --out).
     */
    neural: { type: 'boolean', default: false },
    variants: { type: 'string' },
    seed: { type: 'string', default: '2020' },
    folds: { type: 'string', default: '3' },
    /** Tests: the first N rows of each file only. */
    rows: { type: 'string' },
    /** Tests: no provenance file, no token cache. */
    'weights-only': { type: 'boolean', default: false },
  },
});
const dataFiles = args.data?.length ? args.data : [path.join(shared, 'smp2020_virus_train.jsonl'), path.join(shared, 'smp2020_usual_train.jsonl')];
const evalFiles = args.eval?.length ? args.eval : [path.join(shared, 'smp2020_virus_eval.jsonl'), path.join(shared, 'smp2020_usual_eval.jsonl')];
const seed = Number(args.seed);
const folds = Math.max(2, Math.floor(Number(args.folds)));
const log = (line: string) => process.stderr.write(`${line}\n`);

const BASE: FeatureConfig = { hashBits: 18, charN: 3, tokenWeight: 1, charWeight: 1, tokenBigrams: false, headFeatures: true, denseWeight: 1 };
const START: Candidate = { name: 'both files, class-balanced', features: BASE, l2: 3e-5, denseRatio: 0.1, weighting: 'balanced', nb: false, trainOn: 'all' };


/** Reads one JSON Lines file of {"text","label"}; `domain` is the file's name (virus / usual …). */
function readRows(file: string, limit?: number) {
  const domain = path.basename(file).replace(/\.jsonl$/, '');
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.trim());
  return lines.slice(0, limit ?? lines.length).map((line, n) => {
    const row = JSON.parse(line) as { text?: unknown; label?: unknown };
    if (typeof row.text !== 'string' || !CLASSES.includes(row.label as Label)) throw new Error(`${file}:${n + 1}: not {"text","label"}`);
    return { text: row.text, label: row.label as Label, domain };
  });
}

/** Normalised text and jieba tokens per row, cached in /tmp by content and lexicon (jieba dominates extraction). */
function segment(texts: readonly string[], cache: boolean): Array<{ text: string; tokens: Token[] }> {
  const key = createHash('sha256').update(lexiconFingerprint()).update(String(FEATURES_VERSION)).update(texts.join('\u0000')).digest('hex').slice(0, 16);
  const file = path.join('/tmp', `gongkai-sentiment-tokens-${key}.json`);
  if (cache && existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Array<[string, Array<[string, number]>]>;
    return stored.map(([text, tokens]) => ({ text, tokens: tokens.map(([word, start]) => ({ word, start, end: start + word.length })) }));
  }
  const out = texts.map((raw) => {
    const text = normalise(raw);
    return { text, tokens: tokenise(text) };
  });
  if (cache) writeFileSync(file, JSON.stringify(out.map(({ text, tokens }) => [text, tokens.map((t) => [t.word, t.start])])));
  return out;
}

function corpus(files: readonly string[], limit: number | undefined, cache: boolean): Corpus {
  const rows = files.flatMap((file) => readRows(file, limit));
  const segmented = segment(rows.map((r) => r.text), cache);
  return { rows: rows.map((r, i) => ({ ...r, ...segmented[i]! })) };
}

const started = performance.now();
const limit = args.rows ? Number(args.rows) : undefined;
const cache = !args['weights-only'];
const train = corpus(dataFiles, limit, cache);
log(`${train.rows.length} training rows from ${dataFiles.map((f) => path.basename(f)).join(', ')}; segmented in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const pct = (x: number) => (x * 100).toFixed(2);

interface SearchFile {
  folds: number;
  seed: number;
  chosen: Candidate;
  results: Array<{ candidate: Candidate; cvMacroF1: number; cvByDomain: Record<string, number>; evalByDomain: Record<string, number>; seconds: number }>;
}
const searchPath = path.join(args.out, 'search.json');
/** Selection: the mean of the per-file CV macro-F1 (each domain counts the same); a challenger must win by 0.1 pt. */
const meanOf = (byDomain: Record<string, number>) => Object.values(byDomain).reduce((s, f) => s + f, 0) / Object.keys(byDomain).length;
const row = (r: CvResult) => ({
  candidate: r.candidate, cvMacroF1: r.cv.macroF1, cvByDomain: Object.fromEntries(Object.entries(r.cvByDomain).map(([d, m]) => [d, m.macroF1])),
  evalByDomain: r.evalByDomain, seconds: Math.round(r.seconds),
});

if (args.extend) {
  const search = JSON.parse(readFileSync(searchPath, 'utf8')) as SearchFile;
  const evalSet = corpus(evalFiles, undefined, true);
  const c = search.chosen;
  // The chosen configuration again with the current code first (the hand-set question rule came after
  // the first search), so the later variants are compared with like.
  const again = row(crossValidate(train, { ...c, name: `${c.name}; + hand-set question rule` }, search.folds, search.seed, evalSet));
  log(`  ${again.candidate.name}: CV ${pct(again.cvMacroF1)} ${JSON.stringify(again.cvByDomain)} eval ${JSON.stringify(again.evalByDomain)}`);
  search.results.push(again);
  let best = again;
  const variants: Candidate[] = [
    { ...again.candidate, name: `${again.candidate.name}; COVID-topic indicator (a domain feature read from the text)`, features: { ...c.features, topicFlag: true } },
    { ...again.candidate, name: `${again.candidate.name}; COVID topic words hidden`, features: { ...c.features, maskTopic: true } },
  ];
  for (const variant of variants) {
    const result = row(crossValidate(train, variant, search.folds, search.seed, evalSet));
    log(`  ${variant.name}: CV ${pct(result.cvMacroF1)} ${JSON.stringify(result.cvByDomain)} eval ${JSON.stringify(result.evalByDomain)}`);
    search.results.push(result);
    if (meanOf(result.cvByDomain) > meanOf(best.cvByDomain) + 0.001) best = result;
  }
  search.chosen = best.candidate;
  writeFileSync(searchPath, `${JSON.stringify(search, null, 2)}\n`);
  log(`chosen: ${describe(best.candidate)}`);
  process.exit(0);
}

if (args.neural) {
  const search = JSON.parse(readFileSync(searchPath, 'utf8')) as SearchFile;
  const evalSet = corpus(evalFiles, undefined, true);
  const c = search.chosen;
  const show = (r: ReturnType<typeof row>) =>
    log(`  ${r.candidate.name}: CV ${pct(r.cvMacroF1)} ${JSON.stringify(r.cvByDomain)} eval ${JSON.stringify(r.evalByDomain)} ${r.seconds} s`);
  // The chosen linear model again, for its out-of-fold and eval logits (its row is in the file already).
  // Cached in /tmp by data, code version and configuration: it is the slow part, the fastText runs take seconds.
  const linearKey = createHash('sha256').update(describe(c)).update(lexiconFingerprint()).update(String(FEATURES_VERSION))
    .update(`${search.folds}|${search.seed}`).update(train.rows.map((r) => `${r.label}${r.text}`).join('\u0000')).digest('hex').slice(0, 16);
  const linearCache = path.join('/tmp', `gongkai-sentiment-linear-cv-${linearKey}.json`);
  const linear: CvResult = existsSync(linearCache)
    ? (JSON.parse(readFileSync(linearCache, 'utf8')) as CvResult)
    : crossValidate(train, c, search.folds, search.seed, evalSet);
  if (!existsSync(linearCache)) writeFileSync(linearCache, JSON.stringify(linear));
  show(row(linear));
  let best = row(linear);
  const tried: FastTextSettings[] = args.variants
    ? (JSON.parse(args.variants) as FastTextSettings[])
    : [
      // Picked after a quick grid on the first 3,000 rows of each file (dim 8/16/32, 5–40 epochs, lr 0.05–0.5, NB-scaled
      // inputs or not): fewer epochs at a higher rate underfit, more than ~20 gained nothing.
      { dim: 16, epochs: 10, lr: 0.2, nb: false },
      { dim: 16, epochs: 20, lr: 0.1, nb: false },
      { dim: 32, epochs: 20, lr: 0.1, nb: false },
      { dim: 16, epochs: 10, lr: 0.2, nb: true },
    ];
  const neural: CvResult[] = [];
  for (const settings of tried) {
    const candidate: Candidate = {
      ...c, model: 'fasttext', fastText: settings,
      name: `fastText-style (dim ${settings.dim}, ${settings.epochs} epochs, lr ${settings.lr}${settings.nb ? ', NB-scaled inputs' : ''}; same features, no class weights)`,
    };
    const result = crossValidate(train, candidate, search.folds, search.seed, evalSet);
    neural.push(result);
    const r = row(result);
    show(r);
    search.results.push(r);
    if (meanOf(r.cvByDomain) > meanOf(best.cvByDomain) + 0.001) best = r;
  }
  // Ensembles of the linear model and the best fastText variant by CV. Both are linear in the
  // features, so mixing the fold models' logits is exactly the fold model of the mixed weights:
  // the ensemble's CV and eval figures come from the logits already computed, no refitting.
  const criterion = (r: CvResult) => meanOf(Object.fromEntries(Object.entries(r.cvByDomain).map(([d, m]) => [d, m.macroF1])));
  const fast = neural.reduce((a, b) => (criterion(b) > criterion(a) ? b : a));
  const domains = [...new Set(train.rows.map((r) => r.domain))];
  for (const share of [0.25, 0.5, 0.75]) {
    const mix = (x: readonly number[], y: readonly number[]) => x.map((v, k) => share * v + (1 - share) * y[k]!);
    const oof = linear.oofLogits.map((z, i) => mix(z, fast.oofLogits[i]!));
    const predicted = oof.map(argmax);
    const cvByDomain = Object.fromEntries(domains.map((d) => {
      const at = train.rows.flatMap((r, i) => (r.domain === d ? [i] : []));
      return [d, evaluate(at.map((i) => train.rows[i]!.label), at.map((i) => predicted[i]!)).macroF1];
    }));
    const evalByDomain: Record<string, number> = {};
    linear.evalLogits.forEach((fold, f) => {
      for (const [d, logits] of Object.entries(fold)) {
        const gold = evalSet.rows.filter((r) => r.domain === d).map((r) => r.label);
        const mixed = logits.map((z, i) => mix(z, fast.evalLogits[f]![d]![i]!));
        evalByDomain[d] = (evalByDomain[d] ?? 0) + evaluate(gold, mixed.map(argmax)).macroF1 / linear.evalLogits.length;
      }
    });
    const candidate: Candidate = {
      ...c, model: 'ensemble', fastText: fast.candidate.fastText, linearShare: share,
      name: `ensemble, logits mixed into one weight matrix: ${share} × the linear model chosen before (NB scaling, 2^19 buckets, question rule) + ${1 - share} × ${fast.candidate.name}`,
    };
    const r = { candidate, cvMacroF1: evaluate(train.rows.map((x) => x.label), predicted).macroF1, cvByDomain, evalByDomain, seconds: Math.round(linear.seconds + fast.seconds) };
    show(r);
    search.results.push(r);
    if (meanOf(r.cvByDomain) > meanOf(best.cvByDomain) + 0.001) best = r;
  }
  search.chosen = best.candidate;
  writeFileSync(searchPath, `${JSON.stringify(search, null, 2)}\n`);
  log(`chosen: ${best.candidate.name}; ${describe(best.candidate)}; ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  process.exit(0);
}

if (args.search) {
  const evalSet = corpus(evalFiles, undefined, true);
  const results: CvResult[] = [];
  const run = (candidate: Candidate) => {
    const result = crossValidate(train, candidate, folds, seed, evalSet);
    results.push(result);
    log(`  ${candidate.name}: CV ${pct(result.cv.macroF1)} (${Object.entries(result.cvByDomain).map(([d, m]) => `${d} ${pct(m.macroF1)}`).join(', ')}); ` +
      `eval ${Object.entries(result.evalByDomain).map(([d, f]) => `${d} ${pct(f)}`).join(', ')}; ${result.seconds.toFixed(0)} s`);
    return result;
  };
  const criterion = (r: CvResult) => meanOf(Object.fromEntries(Object.entries(r.cvByDomain).map(([d, m]) => [d, m.macroF1])));
  let best = run(START);
  const stage = (variants: Candidate[]) => {
    for (const variant of variants) {
      const result = run(variant);
      if (criterion(result) > criterion(best) + 0.001) best = result;
    }
  };
  run({ ...START, name: 'virus file only (the previous setup)', trainOn: 'virus' });
  stage([{ ...START, name: 'both files, no class weights', weighting: 'none' }, { ...START, name: 'both files, balanced per file', weighting: 'domain' }]);
  const b1 = best.candidate;
  stage([
    { ...b1, name: `${b1.name}; words only (no char n-grams)`, features: { ...b1.features, charN: 0 } },
    { ...b1, name: `${b1.name}; char 1–2-grams`, features: { ...b1.features, charN: 2 } },
    { ...b1, name: `${b1.name}; no lexicon dense features`, features: { ...b1.features, denseWeight: 0 } },
    { ...b1, name: `${b1.name}; NB log-count-ratio scaling`, nb: true },
  ]);
  const b2 = best.candidate;
  stage([
    { ...b2, name: `${b2.name}; l2=1e-5`, l2: 1e-5 },
    { ...b2, name: `${b2.name}; l2=1e-4`, l2: 1e-4 },
    { ...b2, name: `${b2.name}; 2^19 buckets`, features: { ...b2.features, hashBits: 19 } },
  ]);
  const search: SearchFile = { folds, seed, chosen: best.candidate, results: results.map(row) };
  writeFileSync(searchPath, `${JSON.stringify(search, null, 2)}\n`);
  log(`chosen: ${describe(best.candidate)}; wrote ${searchPath} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  process.exit(0);
}

// Default run: the configuration the search chose (data/search.json, committed; START without one),
// cross-validated for its metrics and calibration, then fitted on everything.
const CHOSEN: Candidate = existsSync(searchPath) ? (JSON.parse(readFileSync(searchPath, 'utf8')) as SearchFile).chosen : START;
const cv = crossValidate(train, CHOSEN, folds, seed);
const calibration = fitCalibration(cv.oofLogits, cv.oofGold);
log(`CV macro-F1 ${pct(cv.cv.macroF1)}; temperature ${calibration.temperature}, confidence = σ(${calibration.confidence.a}·margin + ${calibration.confidence.b})`);
const final = fitModel(train, CHOSEN, train.rows.map((_, i) => i));
const { bytes, scale, sha256 } = quantise(final.weights);
const dataSha = Object.fromEntries(dataFiles.map((f) => [path.basename(f), createHash('sha256').update(readFileSync(f)).digest('hex')]));
const perFile = Object.fromEntries(dataFiles.map((f) => {
  const domain = path.basename(f).replace(/\.jsonl$/, '');
  return [path.basename(f), train.rows.filter((r) => r.domain === domain).length];
}));
const meta: ModelMeta = {
  format: 1, classes: CLASSES, features: CHOSEN.features, lexicon: lexiconFingerprint(), featuresVersion: FEATURES_VERSION, bias: final.bias, denseMeans: final.denseMeans,
  weights: { file: 'model.bin', encoding: 'int16', scale, sha256 },
  calibration,
  training: {
    data: dataFiles.map((f) => path.basename(f)), rows: perFile, dataSha256: dataSha, config: describe(CHOSEN),
    l2: CHOSEN.l2, l2Dense: Number((CHOSEN.l2 * CHOSEN.denseRatio).toPrecision(6)), classWeighting: CHOSEN.weighting, nbScaling: CHOSEN.nb,
    ...(CHOSEN.model === 'ensemble' || CHOSEN.model === 'fasttext'
      ? { model: CHOSEN.model, fastText: { ...CHOSEN.fastText, seed: FASTTEXT_SEED }, ...(CHOSEN.model === 'ensemble' ? { linearShare: CHOSEN.linearShare } : {}) }
      : {}),
    iterations: final.iterations, cvMacroF1: Number(cv.cv.macroF1.toFixed(4)),
    cvMacroF1ByFile: Object.fromEntries(Object.entries(cv.cvByDomain).map(([d, m]) => [d, Number(m.macroF1.toFixed(4))])),
  },
};
mkdirSync(args.out, { recursive: true });
writeFileSync(path.join(args.out, 'model.bin'), bytes);
writeFileSync(path.join(args.out, 'model.json'), `${JSON.stringify(meta, null, 2)}\n`);
const seconds = (performance.now() - started) / 1000;
log(`wrote model.json, model.bin (${bytes.length} bytes) in ${seconds.toFixed(0)} s`);
if (!args['weights-only']) writeFileSync(path.join(args.out, 'PROVENANCE.md'), provenance(cv, seconds, bytes.length, dataSha, perFile));

function provenance(result: CvResult, seconds: number, size: number, sha: Record<string, string>, rows: Record<string, number>): string {
  const search = existsSync(searchPath) ? (JSON.parse(readFileSync(searchPath, 'utf8')) as SearchFile) : null;
  const domains = Object.keys(result.cvByDomain);
  return `# Sentiment model provenance

Generated by \`npm run train:sentiment\` (scripts/train-sentiment.ts); do not edit by hand, retrain instead.
The weights (model.bin, ${(size / 1024).toFixed(0)} KiB, and model.json) are the project's own work, learned from the files below;
**the data is not in this project** and must not be redistributed with it.

## Training data

| file | rows used | source | licence | sha256 |
|---|---|---|---|---|
| smp2020_virus_train.jsonl | ${rows['smp2020_virus_train.jsonl'] ?? 0} | SMP2020-EWECT (CIPS-SMP, labelled by HIT-SCIR) \`virus_train\`, via BrownSweater/BERT_SMP2020-EWECT \`data/raw/virus_train.txt\` @ e928cec0 | none stated: research/development use only, no redistribution | \`${sha['smp2020_virus_train.jsonl'] ?? '–'}\` |
| smp2020_usual_train.jsonl | ${rows['smp2020_usual_train.jsonl'] ?? 0} | SMP2020-EWECT \`usual\` training split, rebuilt from Tom-HG/smp2020 dev folds @ 9b04c727 in the order of evanshao408/weibo-emotion-classification @ 53fdde41; 265 posts repeating another split removed | none stated: research/development use only, no redistribution | \`${sha['smp2020_usual_train.jsonl'] ?? '–'}\` |

Labels mapped happy→pos, angry/sad/fear→neg, neutral→neu, surprise dropped (../shared/data/sentiment/SOURCES.md).
The eval files (smp2020_virus_eval, smp2020_usual_eval) were never trained on; the search below reads them only to
report each variant, and chooses by cross-validation of the training rows.

- **Trained**: ${new Date().toISOString()} in ${seconds.toFixed(0)} s (${folds}-fold CV for the calibration + final fit, ${meta.training.iterations} L-BFGS iterations)
- **Lexicon fingerprint**: \`${lexiconFingerprint()}\`, features version ${FEATURES_VERSION}; ${WORD_POLARITY.size} lexicon words, ${EMOTICON_COUNT} emoticons (written by hand for this project)
- **Reproducing**: \`npm run train:sentiment\` rewrites model.bin and model.json byte for byte from the same data and code
  (no dates or commits in them; the float maths is sequential and seeded). This file carries the date.

## Model

${CHOSEN.model === 'ensemble' && CHOSEN.fastText ? `An ensemble folded into one weight matrix: logits = ${CHOSEN.linearShare} × those of a multinomial logistic regression
+ ${1 - (CHOSEN.linearShare ?? 0.5)} × those of a fastText-style model (fasttext.ts: an embedding of ${CHOSEN.fastText.dim} numbers per hashed feature, summed with
the features' values, a linear softmax layer; ${CHOSEN.fastText.epochs} epochs of plain SGD over the rows shuffled each epoch, learning rate
${CHOSEN.fastText.lr} decaying linearly to 0, seed ${FASTTEXT_SEED}, inputs ${CHOSEN.fastText.nb ? 'NB-scaled' : 'not NB-scaled'}). Both parts are linear in the features, so the
mix is exact: model.bin has the layout, size, speed and per-word reasons of a single linear model.

The logistic regression (neg/neu/pos): full-batch` : 'Multinomial logistic regression (neg/neu/pos), full-batch'} L-BFGS on ${CHOSEN.weighting === 'none' ? 'unweighted' : 'class-weighted'} cross-entropy with L2: ${describe(CHOSEN)}.
Features: jieba tokens, character 1–${CHOSEN.features.charN}-grams, the commenter's own words (before //@) again, lexicon hits,
hashed into 2^${CHOSEN.features.hashBits} buckets (binary, L2-normalised), plus ${DENSE_FEATURES.length} dense lexicon features (${DENSE_FEATURES.join(', ')}).
Set by hand, not learned (zero while fitting): ${Object.entries(HAND_SET_WEIGHTS).map(([name, w]) => `${name} → neg/neu/pos ${w!.join(' / ')}`).join('; ')} (a plain question is neutral; see dense.ts).

Calibration (fitted on the pooled out-of-fold logits of the training rows, not on eval): probabilities =
softmax(logits / ${calibration.temperature}); confidence = σ(${calibration.confidence.a} · margin + ${calibration.confidence.b}), margin = the
gap between the two highest tempered logits — the chance, on held-out training rows, that the label is right.

## Cross-validation of this configuration (${folds} folds, stratified by file and label, seed ${seed})

${formatMetrics('all training rows, pooled out-of-fold', result.cv)}

${domains.map((d) => formatMetrics(`${d}, out-of-fold`, result.cvByDomain[d]!)).join('\n\n')}

${search ? `## Search (\`npm run train:sentiment -- --search\`, ${search.folds}-fold CV, seed ${search.seed})

Chosen by the mean of the per-file CV macro-F1; a later variant had to beat the best so far by 0.1 point.
Eval columns: mean macro-F1 of the variant's ${search.folds} fold models on the eval files (reported, never used to choose). Macro-F1 in %:

| variant | CV all | ${domains.map((d) => `CV ${d}`).join(' | ')} | eval virus | eval usual |
|---|---|${domains.map(() => '---|').join('')}---|---|
${search.results.map((r) => `| ${r.candidate.name} | ${pct(r.cvMacroF1)} | ${domains.map((d) => pct(r.cvByDomain[d] ?? 0)).join(' | ')} | ${pct(r.evalByDomain.smp2020_virus_eval ?? 0)} | ${pct(r.evalByDomain.smp2020_usual_eval ?? 0)} |`).join('\n')}
` : ''}
Held-out evaluation on the eval files: \`npm run bench:sentiment\`.
`;
}

export type { Metrics };
