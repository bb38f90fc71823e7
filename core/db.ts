import mongoose, { type Connection } from 'mongoose';

export interface DbSettings {
  uri: string;
  dbName: string;
}

/**
 * One connection per process, shared by models and the job queue.
 * Timeouts are short so that a lost database shows up as a failed readiness check within
 * seconds rather than requests hanging for the driver's 30 s default; the driver reconnects
 * by itself when the server returns.
 */
export async function connectDb({ uri, dbName }: DbSettings): Promise<Connection> {
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
