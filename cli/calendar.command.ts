import fs from 'node:fs/promises';
import os from 'node:os';
import { Command } from 'commander';
import type { Connection } from 'mongoose';
import { createCalendarStore, type CalendarStore } from '../core/calendar/calendar-store.ts';
import { parseArrangementFile } from '../core/calendar/arrangement-file.ts';
import { todayInChina } from '../core/calendar/due-date.ts';
import { loadConfig } from '../core/config.ts';
import { connectDb } from '../core/db.ts';
import { ensureEmbeddedDb } from '../core/embedded/embedded-db.ts';
import type { FerretDBHandle } from '../core/embedded/ferretdb-process.ts';
import { ValidationError } from '../core/errors.ts';

/** sysexits EX_DATAERR: the input file was read but its content is wrong. */
export const EXIT_BAD_FILE = 65;

/** Where the command reads and writes; the process by default, a test's buffers otherwise. */
export interface CalendarCommandIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  setExitCode(code: number): void;
}

const processIo: CalendarCommandIo = {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

function currentUser(): string {
  try {
    return os.userInfo().username || 'cli';
  } catch {
    // No passwd entry, e.g. an arbitrary UID in a container.
    return 'cli';
  }
}

/** Connects like `serve` does (starting the embedded FerretDB if needed), runs `work`, and cleans up. */
async function withStore<T>(env: NodeJS.ProcessEnv, work: (store: CalendarStore) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  let embedded: FerretDBHandle | null = null;
  let db: Connection | undefined;
  try {
    if (config.database.kind === 'embedded') embedded = await ensureEmbeddedDb(config.database);
    db = await connectDb(config.database);
    return await work(createCalendarStore(db));
  } finally {
    await db?.close();
    await embedded?.stop();
  }
}

export function calendarCommand(io: CalendarCommandIo = processIo): Command {
  const calendar = new Command('calendar').description(
    'the official working-day calendar (holidays and 调休) behind disclosure deadlines',
  );

  calendar
    .command('load')
    .description("store one year's holiday arrangement from a JSON file, for years chinese-days does not know yet")
    .argument('<file>', 'JSON: {"year": 2027, "holidays": [...], "workdays": [...], "source": "国办发明电〔…〕N号"}')
    .option('--by <name>', 'who is loading it, kept with the year', currentUser())
    .action(async (file: string, options: { by: string }) => {
      // Check the file before touching the database: a typo should not wait on a server start.
      let arrangement;
      try {
        arrangement = parseArrangementFile(await fs.readFile(file, 'utf8'));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        const fields = error.fields.map((field) => `${field.path} ${field.message}`).join('; ');
        io.stderr(`gongkai: ${file}: ${error.message}${fields ? `: ${fields}` : ''}\n`);
        io.setExitCode(EXIT_BAD_FILE);
        return;
      }
      await withStore(io.env, (store) => store.saveYear({ ...arrangement, loadedBy: options.by }));
      const { year, holidays, workdays } = arrangement;
      io.stdout(`${JSON.stringify({ year, holidays: holidays.length, workdays: workdays.length })}\n`);
      io.setExitCode(0);
    });

  calendar
    .command('status')
    .description('list the years with an official arrangement, and which of this year and next are missing')
    .action(async () => {
      const known = await withStore(io.env, (store) => store.current());
      const thisYear = Number(todayInChina(new Date()).slice(0, 4));
      const status = {
        knownYears: known.knownYears(),
        missingYears: known.missingYears(`${thisYear}-01-01`, `${thisYear + 1}-12-31`),
      };
      io.stdout(`${JSON.stringify(status)}\n`);
      io.setExitCode(0);
    });

  return calendar;
}
