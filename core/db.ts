import mongoose, { type Connection } from 'mongoose';
import { ConflictError } from './errors.ts';

export interface DbSettings {
  uri: string;
  dbName: string;
  /** Emit the driver's command events (tests count what a piece of code asks the database). */
  monitorCommands?: boolean;
}

/**
 * One connection per process, shared by models and the job queue.
 * Timeouts are short so that a lost database shows up as a failed readiness check within
 * seconds rather than requests hanging for the driver's 30 s default; the driver reconnects
 * by itself when the server returns.
 */
export async function connectDb({ uri, dbName, monitorCommands = false }: DbSettings): Promise<Connection> {
  const connection = mongoose.createConnection(uri, {
    dbName,
    maxPoolSize: 20,
    minPoolSize: 1,
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS: 5_000,
    socketTimeoutMS: 30_000,
    heartbeatFrequencyMS: 2_000,
    // Writes fail fast instead of queueing in memory while the database is away.
    bufferCommands: false,
    autoIndex: true,
    monitorCommands,
  });
  await connection.asPromise();
  return connection;
}

/** Resolves true when the server answers a ping within the time limit. */
export async function pingDb(connection: Connection, timeoutMs = 2_000): Promise<boolean> {
  const db = connection.db;
  if (!db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([
      db.command({ ping: 1 }, { timeoutMS: timeoutMs }).then(
        (reply) => reply.ok === 1,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function isDuplicateKeyError(error: unknown): error is { code: 11000; keyPattern?: Record<string, unknown> } {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 11000;
}

/**
 * Runs a write guarded by a unique index and turns a duplicate into a 409 that names the field.
 * FerretDB's duplicate-key error does not say which index fired, so the caller says.
 */
export async function uniqueWrite<T>(write: Promise<T>, field: string, message = `${field} already exists`): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (isDuplicateKeyError(error)) throw new ConflictError(message, [{ path: field, message: 'already exists' }]);
    throw error;
  }
}
