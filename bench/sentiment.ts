/**
 * Sentiment benchmark: `npm run bench:sentiment [-- --record] [--lines N]`.
 *
 * 1. Quality on the two held-out eval files (../shared/data/sentiment/smp2020_virus_eval.jsonl and
 *    smp2020_usual_eval.jsonl; never used for training or for choosing hyper-parameters): accuracy,
 *    macro-F1, per-class precision/recall/F1 and the confusion matrix. Target: macro-F1 ≥ 0.82 on
 *    each. Also the calibration table: per confidence bin, how often the label was right. "virus" is the training domain (COVID posts); "usual" is general Weibo, the honest check
 *    that the model carries over to other topics, as comments on government posts require.
 * 2. Throughput. If `npx gongkai sentiment` is registered (`node bin/gongkai.js --help` lists it),
 *    the CLI path: N lines (eval texts repeated, default 20,000) piped through `node bin/gongkai.js
 *    sentiment`, timed end to end, and start-up measured separately with empty input. Otherwise
 *    `analyse()` in this process, reported as such.
 *
 * Progress goes to stderr, the results to stdout; the LAST stdout line is
 * `virus_macro_f1=<x> usual_macro_f1=<x> lines_per_s=<n>` (the line before says cli or in-process).
 * `--record` also writes the tables into core/opinion/sentiment/data/PROVENANCE.md.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSentiment } from '../core/opinion/sentiment/index.ts';
import { evaluate, formatMetrics, type Metrics } from '../core/opinion/sentiment/metrics.ts';
import { CLASSES, DEFAULT_MODEL_DIR, UNCERTAIN_BELOW, type Label } from '../core/opinion/sentiment/model.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: path.resolve(root, '../shared/data/sentiment') },
    lines: { type: 'string', default: '20000' },
    record: { type: 'boolean', default: false },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const BIN = path.join(root, 'bin/gongkai.js');

function readEval(file: string): Array<{ text: string; label: Label }> {
  return readFileSync(path.join(args['data-dir'], file), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as { text: string; label: Label })
    .filter((row) => CLASSES.includes(row.label));
}

const loadStart = performance.now();
const sentiment = createSentiment();
const loadMs = performance.now() - loadStart;
log(`model loaded in ${loadMs.toFixed(0)} ms`);

const files = ['smp2020_virus_eval.jsonl', 'smp2020_usual_eval.jsonl'];
const results: Array<{ file: string; metrics: Metrics; reliability: string }> = [];
const allTexts: string[] = [];
for (const file of files) {
  const rows = readEval(file);
  const predictions = rows.map((row) => sentiment.analyse(row.text, { reasons: false }));
  const metrics = evaluate(rows.map((row) => row.label), predictions.map((p) => p.label));
  results.push({ file, metrics, reliability: reliabilityTable(predictions.map((p, i) => ({ p, right: p.label === rows[i]!.label }))) });
  allTexts.push(...rows.map((row) => row.text));
}

/**
 * Reliability of the confidence (and of the top tempered probability) on one eval file: per bin,
 * how often the label was right. Calibrated means accuracy ≈ mean confidence in every bin; ECE is
 * the support-weighted mean gap.
 */
function reliabilityTable(items: Array<{ p: { confidence: number; probs: Record<Label, number>; label: Label }; right: boolean }>): string {
  const edges = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001];
  const lines = ['| confidence | n | share | mean confidence | mean top probability | accuracy |', '|---|---|---|---|---|---|'];
  let ece = 0;
  let eceProb = 0;
  for (let b = 0; b + 1 < edges.length; b++) {
    const inBin = items.filter(({ p }) => p.confidence >= edges[b]! && p.confidence < edges[b + 1]!);
    if (!inBin.length) continue;
    const mean = inBin.reduce((s, { p }) => s + p.confidence, 0) / inBin.length;
    const top = inBin.reduce((s, { p }) => s + p.probs[p.label], 0) / inBin.length;
    const accuracy = inBin.filter((x) => x.right).length / inBin.length;
    ece += (inBin.length / items.length) * Math.abs(mean - accuracy);
    eceProb += (inBin.length / items.length) * Math.abs(top - accuracy);
    const range = `${edges[b]!.toFixed(1)}–${Math.min(edges[b + 1]!, 1).toFixed(1)}`;
    lines.push(`| ${range} | ${inBin.length} | ${pct(inBin.length / items.length)} | ${pct(mean)} | ${pct(top)} | ${pct(accuracy)} |`);
  }
  const uncertain = items.filter(({ p }) => p.confidence < UNCERTAIN_BELOW);
  const sure = items.filter(({ p }) => p.confidence >= UNCERTAIN_BELOW);
  const acc = (xs: typeof items) => (xs.length ? pct(xs.filter((x) => x.right).length / xs.length) : '–');
  lines.push('', `ECE (confidence, binned as above): ${(ece * 100).toFixed(1)} points; of the top probability: ${(eceProb * 100).toFixed(1)} points. ` +
    `"uncertain" (confidence < ${UNCERTAIN_BELOW}): ${uncertain.length} texts (${pct(uncertain.length / items.length)}), accuracy ${acc(uncertain)}; the rest: accuracy ${acc(sure)}.`);
  return lines.join('\n');
}

const lineCount = Number(args.lines);
const input = Array.from({ length: lineCount }, (_, i) => JSON.stringify({ text: allTexts[i % allTexts.length] })).join('\n') + '\n';
const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
const registered = help.status === 0 && /^\s+sentiment\b/m.test(help.stdout);

/** Runs `node bin/gongkai.js sentiment` on `text`; resolves with wall seconds and the output line count. */
function runCli(text: string): Promise<{ seconds: number; outputLines: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'sentiment'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let outputLines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) outputLines++;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`gongkai sentiment exited with ${code}`));
      else resolve({ seconds: (performance.now() - started) / 1000, outputLines });
    });
    child.stdin.end(text);
  });
}

let throughput: string;
let linesPerSecond: number;
let mode: 'cli' | 'in-process';
if (registered) {
  mode = 'cli';
  const startup = await runCli('');
  const run = await runCli(input);
  if (run.outputLines !== lineCount) throw new Error(`CLI answered ${run.outputLines} lines for ${lineCount}`);
  linesPerSecond = lineCount / run.seconds;
  const steady = lineCount / Math.max(run.seconds - startup.seconds, 1e-3);
  throughput =
    `CLI \`node bin/gongkai.js sentiment\`: ${lineCount} lines in ${run.seconds.toFixed(2)} s = ${linesPerSecond.toFixed(0)} lines/s end to end ` +
    `(start-up ${startup.seconds.toFixed(2)} s; ${steady.toFixed(0)} lines/s after start-up)`;
} else {
  mode = 'in-process';
  const texts = input.trimEnd().split('\n').map((line) => (JSON.parse(line) as { text: string }).text);
  const timed = (reasons: boolean) => {
    const started = performance.now();
    for (const text of texts) sentiment.analyse(text, { reasons });
    return lineCount / ((performance.now() - started) / 1000);
  };
  linesPerSecond = timed(false);
  const withReasons = timed(true);
  throughput =
    `\`sentiment\` is not registered in cli/main.ts yet, so this is analyse() in-process, not the CLI: ` +
    `${linesPerSecond.toFixed(0)} texts/s without reasons (what the CLI computes), ${withReasons.toFixed(0)} texts/s with reasons`;
}

const summary = [
  '| eval file | n | accuracy | macro-F1 | F1 neg | F1 neu | F1 pos | macro-F1 ≥ 0.82 |',
  '|---|---|---|---|---|---|---|---|',
  ...results.map(({ file, metrics: m }) =>
    `| ${file} | ${m.n} | ${pct(m.accuracy)} | ${pct(m.macroF1)} | ${pct(m.perClass.neg.f1)} | ${pct(m.perClass.neu.f1)} | ${pct(m.perClass.pos.f1)} | ${m.macroF1 >= 0.82 ? 'yes' : 'NO'} |`),
].join('\n');
const report = [
  summary,
  '',
  ...results.map(({ file, metrics, reliability }) => `${formatMetrics(file, metrics)}\n\nCalibration on ${file}:\n\n${reliability}\n`),
  `Model load: ${loadMs.toFixed(0)} ms. Throughput: ${throughput}.`,
].join('\n');
process.stdout.write(`${report}\n`);

if (args.record) {
  const file = path.join(DEFAULT_MODEL_DIR, 'PROVENANCE.md');
  const marker = '\n## Held-out evaluation';
  const before = readFileSync(file, 'utf8').split(marker)[0]!.trimEnd();
  const section = `${marker} (npm run bench:sentiment, ${new Date().toISOString()})\n\n${report}\n`;
  writeFileSync(file, `${before}\n${section}`);
  log(`recorded in ${file}`);
}

const f1 = (i: number) => results[i]!.metrics.macroF1.toFixed(4);
process.stdout.write(`throughput mode: ${mode}; model load ${loadMs.toFixed(0)} ms\n`);
process.stdout.write(`virus_macro_f1=${f1(0)} usual_macro_f1=${f1(1)} lines_per_s=${linesPerSecond.toFixed(0)}\n`);
