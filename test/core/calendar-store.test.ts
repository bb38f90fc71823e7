import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { calendarCommand, type CalendarCommandIo } from '../../cli/calendar.command.ts';
import { createCalendarStore } from '../../core/calendar/calendar-store.ts';
import { todayInChina } from '../../core/calendar/due-date.ts';
import { connectTestDb } from '../helpers/db.ts';

const db = await connectTestDb('calendar_store');
const years = db.collection('calendar_years');
const mongoUri = `${inject('mongoUri')}${db.name}`;

// Made-up arrangements for years the package lacks; only their shape matters here.
const Y2028 = { year: 2028, holidays: ['2028-01-01', '2028-10-02'], workdays: ['2028-10-07'] };
const Y2029 = { year: 2029, holidays: ['2029-01-01'], workdays: [] as string[] };
const Y2030 = { year: 2030, holidays: ['2030-01-01', '2030-10-01'], workdays: ['2030-09-29'] };

const tmpDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-calendar-'));
afterAll(() => fs.rm(tmpDir, { recursive: true, force: true }));

async function writeFile(name: string, value: unknown): Promise<string> {
  const file = path.join(tmpDir, name);
  await fs.writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}

describe('calendar store', () => {
  it('saves a year that current() then knows', async () => {
    const store = createCalendarStore(db);
    expect((await store.current()).missingYears('2028-01-01', '2028-12-31')).toEqual([2028]);

    await store.saveYear({ ...Y2028, source: '国办发明电〔2027〕1号', loadedBy: 'test' });

    const calendar = await store.current();
    expect(calendar.knownYears()).toContain(2028);
    expect(calendar.isWorkingDay('2028-10-02')).toBe(false); // Monday made a holiday
    expect(calendar.isWorkingDay('2028-10-07')).toBe(true); // Saturday made a workday
    expect(await store.loadYears()).toEqual([Y2028]);
    const doc = await years.findOne({ year: 2028 });
    expect(doc).toMatchObject({ source: '国办发明电〔2027〕1号', loadedBy: 'test' });
    expect(doc?.loadedAt).toBeInstanceOf(Date);
  });

  it('keeps one document per year when a year is loaded again, or twice at once', async () => {
    const store = createCalendarStore(db);
    await store.saveYear({ ...Y2029, source: 'first', loadedBy: 'a' });
    await store.saveYear({ ...Y2029, holidays: ['2029-01-01', '2029-01-02'], loadedBy: 'b' });
    await Promise.all([1, 2, 3].map((n) => store.saveYear({ ...Y2029, loadedBy: `racer${n}` })));

    const docs = await years.find({ year: 2029 }).toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ holidays: ['2029-01-01'], loadedBy: expect.stringMatching(/^racer/) });
    // A reload without a source drops the old one rather than keeping a wrong notice number.
    expect(docs[0]).not.toHaveProperty('source');
    const indexes = await years.indexes();
    expect(indexes.find((index) => index.key.year === 1)?.unique).toBe(true);
  });

  it('refuses to store an invalid arrangement', async () => {
    const store = createCalendarStore(db);
    await expect(store.saveYear({ year: 2031, holidays: ['2030-12-31'], workdays: [], loadedBy: 't' })).rejects.toMatchObject({
      fields: [{ path: 'holidays.0', message: 'must be a date in 2031' }],
    });
    expect(await years.countDocuments({ year: 2031 })).toBe(0);
  });

  it('caches current() for the TTL, and a save in this process refreshes it at once', async () => {
    let clock = 1_000_000;
    const store = createCalendarStore(db, { now: () => clock });
    const other = createCalendarStore(db, { now: () => clock });
    const before = await store.current();
    expect(await store.current()).toBe(before);

    await other.saveYear({ ...Y2030, loadedBy: 'another process' });
    expect((await store.current()).knownYears()).not.toContain(2030);
    expect((await other.current()).knownYears()).toContain(2030);

    clock += 60_000;
    expect((await store.current()).knownYears()).toContain(2030);
  });
});

/** Runs the command in this process against the test database, capturing what it prints. */
async function runInProcess(...args: string[]) {
  const out = { stdout: '', stderr: '', code: undefined as number | undefined };
  const io: CalendarCommandIo = {
    env: { MONGODB_URI: mongoUri },
    stdout: (text) => (out.stdout += text),
    stderr: (text) => (out.stderr += text),
    setExitCode: (code) => (out.code = code),
  };
  await calendarCommand(io).exitOverride().parseAsync(args, { from: 'user' });
  return out;
}

describe('calendar command (in process)', () => {
  it('loads a file and prints one JSON line', async () => {
    const file = await writeFile('2032.json', { year: 2032, holidays: ['2032-01-01'], workdays: ['2032-02-07'], source: 'x' });
    const result = await runInProcess('load', file, '--by', 'admin');
    expect(result).toEqual({ stdout: '{"year":2032,"holidays":1,"workdays":1}\n', stderr: '', code: 0 });
    expect(await years.findOne({ year: 2032 })).toMatchObject({ loadedBy: 'admin', source: 'x' });
  });

  it('exits 65 naming the field on a bad file, without writing', async () => {
    const file = await writeFile('bad.json', { year: 2033, holidays: ['2033-01-01', '2033-02-30'] });
    const result = await runInProcess('load', file);
    expect(result.code).toBe(65);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`gongkai: ${file}: invalid calendar arrangement: holidays.1 must be a real date written YYYY-MM-DD\n`);
    expect(await years.countDocuments({ year: 2033 })).toBe(0);
  });

  it('reports status for this year and next', async () => {
    const result = await runInProcess('status');
    const status = JSON.parse(result.stdout) as { knownYears: number[]; missingYears: number[] };
    expect(status.knownYears).toEqual(expect.arrayContaining([2004, 2026, 2028, 2032]));
    const thisYear = Number(todayInChina(new Date()).slice(0, 4));
    expect(status.missingYears).toEqual([thisYear, thisYear + 1].filter((year) => !status.knownYears.includes(year)));
    expect(result.code).toBe(0);
  });
});

const BIN = path.resolve('bin/gongkai.js');
const cliHasCalendar = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' }).stdout.includes('calendar');

function runCli(...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'calendar', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: mongoUri },
  });
}

describe('npx gongkai calendar load', () => {
  it.skipIf(!cliHasCalendar)('stores the year and prints its counts; a bad file exits 65 naming the field', async () => {
    const file = await writeFile('2034.json', { year: 2034, holidays: ['2034-01-01', '2034-01-02'], workdays: [] });
    const ok = runCli('load', file);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('{"year":2034,"holidays":2,"workdays":0}\n');
    expect(await years.findOne({ year: 2034 })).toMatchObject({ holidays: ['2034-01-01', '2034-01-02'] });

    const bad = await writeFile('bad-cli.json', { year: 2035, holidays: ['2035-01-01'], workdays: ['2035-01-03'] });
    const failed = runCli('load', bad);
    expect(failed.status).toBe(65);
    expect(failed.stderr).toContain('workdays.0 must be a Saturday or Sunday');
    expect(await years.countDocuments({ year: 2035 })).toBe(0);
  });
});
