import { Schema, type Connection, type InferSchemaType } from 'mongoose';
import { isDuplicateKeyError } from '../db.ts';
import { validateArrangement, type ArrangementFile } from './arrangement-file.ts';
import type { WorkCalendar, YearArrangement } from './types.ts';
import { createWorkCalendar } from './work-calendar.ts';

const calendarYearSchema = new Schema(
  {
    year: { type: Number, required: true, unique: true },
    holidays: { type: [String], required: true },
    workdays: { type: [String], required: true },
    /** The notice the dates were transcribed from, e.g. 国办发明电〔2026〕N号. */
    source: { type: String },
    loadedAt: { type: Date, required: true },
    /** Who loaded it: an operator name, or the OS user for the CLI. */
    loadedBy: { type: String, required: true },
  },
  { collection: 'calendar_years', versionKey: false, strict: 'throw' },
);

export type CalendarYearDoc = InferSchemaType<typeof calendarYearSchema>;
const defineModel = (db: Connection) => db.model('CalendarYear', calendarYearSchema);

function calendarYearModel(db: Connection): ReturnType<typeof defineModel> {
  return (db.models.CalendarYear as ReturnType<typeof defineModel> | undefined) ?? defineModel(db);
}

export interface CalendarStore {
  /** Stores one year, replacing any earlier load of the same year. */
  saveYear(arrangement: ArrangementFile & { loadedBy: string }): Promise<void>;
  loadYears(): Promise<YearArrangement[]>;
  /** Who loaded which year, from which notice (without the dates): for the admin's calendar page. */
  loadedYears(): Promise<LoadedYear[]>;
  /** The package's data plus every stored year; cached, so other processes' loads show within the TTL. */
  current(): Promise<WorkCalendar>;
}

export interface LoadedYear {
  year: number;
  source?: string;
  loadedAt: Date;
  loadedBy: string;
}

export interface CalendarStoreOptions {
  cacheMs?: number;
  now?: () => number;
}

export function createCalendarStore(db: Connection, options: CalendarStoreOptions = {}): CalendarStore {
  const model = calendarYearModel(db);
  const { cacheMs = 60_000, now = Date.now } = options;
  let cached: { calendar: Promise<WorkCalendar>; expiresAt: number } | undefined;

  const loadYears = async (): Promise<YearArrangement[]> => {
    const docs = await model.find({}, { _id: 0, year: 1, holidays: 1, workdays: 1 }).sort({ year: 1 }).lean();
    return docs.map(({ year, holidays, workdays }) => ({ year, holidays: [...holidays], workdays: [...workdays] }));
  };

  const upsert = (arrangement: ArrangementFile, loadedBy: string) => {
    const { year, holidays, workdays, source } = arrangement;
    const fields = { holidays, workdays, loadedAt: new Date(now()), loadedBy };
    return model.updateOne(
      { year },
      // Reloading without a source must not leave the previous notice's number behind.
      source === undefined ? { $set: fields, $unset: { source: 1 } } : { $set: { ...fields, source } },
      { upsert: true },
    );
  };

  return {
    async saveYear({ loadedBy, ...input }) {
      const arrangement = validateArrangement(input);
      if (!loadedBy.trim()) throw new RangeError('loadedBy must name who loaded the calendar');
      // The unique index must exist before the first upsert, or two racing loads could both insert.
      await model.init();
      try {
        await upsert(arrangement, loadedBy);
      } catch (error) {
        // Two first loads of a year raced: the loser's insert hit the unique index; its update now applies.
        if (!isDuplicateKeyError(error)) throw error;
        await upsert(arrangement, loadedBy);
      }
      cached = undefined;
    },

    loadYears,

    async loadedYears() {
      const docs = await model.find({}, { _id: 0, year: 1, source: 1, loadedAt: 1, loadedBy: 1 }).sort({ year: 1 }).lean();
      return docs.map(({ year, source, loadedAt, loadedBy }) => ({ year, ...(source ? { source } : {}), loadedAt, loadedBy }));
    },

    current() {
      const time = now();
      if (!cached || cached.expiresAt <= time) {
        const calendar = loadYears().then((years) => createWorkCalendar(years));
        const entry = { calendar, expiresAt: time + cacheMs };
        cached = entry;
        // A failed read must not be served from the cache for a minute.
        calendar.catch(() => {
          if (cached === entry) cached = undefined;
        });
      }
      return cached.calendar;
    },
  };
}
