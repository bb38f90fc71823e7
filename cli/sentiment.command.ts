import { createInterface } from 'node:readline';
import { Command } from 'commander';
import type { Sentiment } from '../core/opinion/sentiment/index.ts';

/** Where the command reads and writes: the process by default, a test's streams otherwise. */
export interface SentimentCommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
}

const processIo: SentimentCommandIo = { stdin: process.stdin, stdout: process.stdout };

const CONTRACT = `
Input: JSON Lines on stdin, one {"text": "…"} object per line (other fields are ignored).
Output: exactly one JSON line per input line, in the same order, so output line N answers input line N:
  {"label": "neg"|"neu"|"pos", "score": n, "confidence": c}
                                                score = P(pos) − P(neg), from −1 to 1; confidence in [0, 1],
                                                the calibrated chance the label is right (below 0.6: uncertain)
  {"error": "line N: …"}                        when line N is not JSON, has no string "text", or is blank;
                                                the command goes on with the next line
With --reasons, each result also carries "reasons": [{"token", "weight"}], the words that decided it
(weight > 0 pushed toward pos, < 0 toward neg). Empty input gives empty output. The exit code is 0
even when some lines were malformed; it is non-zero only if the command itself fails (e.g. no model).

Example:
  printf '{"text":"办事效率太低了，一拖再拖"}\\n' | npx gongkai sentiment
`;

export function sentimentCommand(io: SentimentCommandIo = processIo): Command {
  return new Command('sentiment')
    .description('classify comments: JSON Lines {"text"} on stdin → one {"label","score","confidence"} JSON line each on stdout')
    .option('--reasons', 'include the deciding words and their weights in each result')
    .addHelpText('after', CONTRACT)
    .action(async (options: { reasons?: boolean }) => {
      // Loaded here, not at the top: every other command would otherwise pay for jieba's dictionary.
      const { createSentiment } = await import('../core/opinion/sentiment/index.ts');
      await runSentiment(createSentiment(), io, { reasons: options.reasons ?? false });
    });
}

/** One input line → one output line (without the newline). Never throws for bad input. */
export function classifyLine(sentiment: Sentiment, line: string, lineNumber: number, reasons: boolean): string {
  if (!line.trim()) return JSON.stringify({ error: `line ${lineNumber}: empty line` });
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    return JSON.stringify({ error: `line ${lineNumber}: invalid JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
  const text = typeof row === 'object' && row !== null ? (row as { text?: unknown }).text : undefined;
  if (typeof text !== 'string') return JSON.stringify({ error: `line ${lineNumber}: expected an object with a string "text"` });
  const { label, score, confidence, reasons: why } = sentiment.analyse(text, { reasons });
  return JSON.stringify(reasons ? { label, score, confidence, reasons: why } : { label, score, confidence });
}

/**
 * Streams stdin to stdout line by line. Results of the lines that arrived together are written
 * together (one write per input chunk, not per line), and reading pauses while stdout is full,
 * so memory stays flat however long the input is and a slow reader slows the command down.
 */
export function runSentiment(sentiment: Sentiment, io: SentimentCommandIo, options: { reasons: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    let pending: string[] = [];
    let scheduled = false;
    let lineNumber = 0;
    let closed = false;
    let finished = false;

    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve();
    };
    const flush = () => {
      scheduled = false;
      if (pending.length) {
        const chunk = `${pending.join('\n')}\n`;
        pending = [];
        if (!io.stdout.write(chunk)) {
          lines.pause();
          io.stdout.once('drain', () => lines.resume());
        }
      }
      if (closed) finish();
    };

    io.stdout.on('error', (error: NodeJS.ErrnoException) => {
      // The reader went away (e.g. `| head`): stop quietly, there is nobody left to answer.
      lines.close();
      if (error.code === 'EPIPE') finish();
      else finish(error);
    });
    io.stdin.on('error', (error) => finish(error));
    lines.on('line', (line) => {
      lineNumber++;
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
      pending.push(classifyLine(sentiment, text, lineNumber, options.reasons));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    lines.on('close', () => {
      closed = true;
      if (!scheduled) flush();
    });
  });
}
