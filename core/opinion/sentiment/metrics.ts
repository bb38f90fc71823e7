/** Classification metrics shared by the training script and the bench: accuracy, macro-F1, per-class P/R/F1, confusion. */
import { CLASSES, type Label } from './model.ts';

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Metrics {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Record<Label, ClassMetrics>;
  /** confusion[gold][predicted], in CLASSES order. */
  confusion: number[][];
}

export function evaluate(gold: readonly Label[], predicted: readonly Label[]): Metrics {
  const confusion = CLASSES.map(() => CLASSES.map(() => 0));
  gold.forEach((label, i) => {
    confusion[CLASSES.indexOf(label)]![CLASSES.indexOf(predicted[i]!)]!++;
  });
  const perClass = {} as Record<Label, ClassMetrics>;
  CLASSES.forEach((label, c) => {
    const tp = confusion[c]![c]!;
    const predictedAs = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const support = confusion[c]!.reduce((sum, n) => sum + n, 0);
    const precision = predictedAs ? tp / predictedAs : 0;
    const recall = support ? tp / support : 0;
    perClass[label] = { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0, support };
  });
  const correct = CLASSES.reduce((sum, _, c) => sum + confusion[c]![c]!, 0);
  return {
    n: gold.length,
    accuracy: gold.length ? correct / gold.length : 0,
    macroF1: CLASSES.reduce((sum, label) => sum + perClass[label].f1, 0) / CLASSES.length,
    perClass,
    confusion,
  };
}

const pct = (x: number) => (x * 100).toFixed(1).padStart(5);

/** A plain-text results table (Markdown-compatible) for one data set. */
export function formatMetrics(name: string, m: Metrics): string {
  const lines = [
    `### ${name} (n=${m.n})  accuracy ${pct(m.accuracy)}%  macro-F1 ${pct(m.macroF1)}%`,
    '',
    '| class | precision | recall | F1 | support |',
    '|---|---|---|---|---|',
    ...CLASSES.map((label) => {
      const c = m.perClass[label];
      return `| ${label} | ${pct(c.precision)} | ${pct(c.recall)} | ${pct(c.f1)} | ${c.support} |`;
    }),
    '',
    `| gold \\ predicted | ${CLASSES.join(' | ')} |`,
    '|---|---|---|---|',
    ...CLASSES.map((label, c) => `| ${label} | ${m.confusion[c]!.join(' | ')} |`),
  ];
  return lines.join('\n');
}
