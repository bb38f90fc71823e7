import path from 'node:path';
import { z } from 'zod';
import { channelEnvShape, channelsConfig, type ChannelsConfig } from './config-channels.ts';
import { parseKey, sealKeys, type SealKeys } from './crypto/sealed.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Job groups (jobs/worker.ts): deliveries, WeChat callback upkeep, public-opinion collection and watch. */
export const JOB_GROUPS = ['fanout', 'callbacks', 'opinion'] as const;

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number between 0 and 65535' })
    .int({ error: 'must be a whole number between 0 and 65535' })
    .min(0, { error: 'must be a whole number between 0 and 65535' })
    .max(65535, { error: 'must be a whole number between 0 and 65535' })
    .default(fallback);

const positiveMs = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a whole number of milliseconds' })
    .int({ error: 'must be a whole number of milliseconds' })
    .positive({ error: 'must be a whole number of milliseconds' })
    .default(fallback);

// Empty strings count as unset: `FOO= npm start` is how people clear a variable.
const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const PER_MINUTE = { error: 'must be a whole number of requests per minute' };
/** A rate limit in requests per minute, 600 when unset. */
const requestsPerMinute = () => z.preprocess(emptyToUndefined, z.coerce.number(PER_MINUTE).int(PER_MINUTE).min(1, PER_MINUTE).default(600));

const envSchema = z.object({
  MONGODB_URI: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^mongodb(\+srv)?:\/\/[^\s]+$/, { error: 'must be a mongodb:// or mongodb+srv:// connection string' })
      .optional(),
  ),
  MONGODB_DB: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,63}$/, { error: 'must be 1-63 Latin letters, digits, _ or -' })
      .optional(),
  ),
  HOST: z.preprocess(emptyToUndefined, z.string().min(1).default('127.0.0.1')),
  PORT: z.preprocess(emptyToUndefined, port(3000)),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  BODY_LIMIT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+(kb|mb)$/i, { error: 'must look like 512kb or 1mb' })
      .default('1mb'),
  ),
  PUBLIC_BASE_URL: z.preprocess(
    emptyToUndefined,
    z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://gongkai.example.gov.cn' })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
  ),
  PUBLIC_RATE_LIMIT: requestsPerMinute(),
  AGENCY_RATE_LIMIT: requestsPerMinute(),
  CORS_ORIGINS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((list) => list.split(',').map((origin) => origin.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine(isOrigin, { error: 'must be comma-separated origins such as https://www.example.gov.cn (no *, path or trailing /)' })))
      .default([]),
  ),
  TRUST_PROXY: z.preprocess(
    emptyToUndefined,
    z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  ),
  EMBEDDED_DB_PORT: z.preprocess(emptyToUndefined, port(27117)),
  EMBEDDED_DB_DIR: z.preprocess(emptyToUndefined, z.string().min(1).default('data/ferretdb')),
  READ_MODEL: z.preprocess(
    emptyToUndefined,
    z.enum(['sqlite', 'mongodb'], { error: 'must be sqlite (one machine) or mongodb (several machines on one database)' }).default('sqlite'),
  ),
  READ_MODEL_FILE: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  JOBS_POLL_MS: z.preprocess(emptyToUndefined, positiveMs(1000)),
  /** A worker-only process serves /metrics here (the API process serves it on PORT); `off` for none. */
  WORKER_METRICS_PORT: z.preprocess(emptyToUndefined, z.union([z.literal('off'), port(9464)], { error: 'must be off or a whole number between 0 and 65535' })),
  SHUTDOWN_GRACE_MS: z.preprocess(emptyToUndefined, positiveMs(10000)),
  WORKER_JOBS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .transform((list) => [...new Set(list.split(',').map((group) => group.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(JOB_GROUPS, { error: `must be a comma-separated list of ${JOB_GROUPS.join(', ')}` })).min(1, { error: `must name at least one of ${JOB_GROUPS.join(', ')}` }))
      .default([...JOB_GROUPS]),
  ),
  /** AES-256-GCM key for personal data at rest (information requests' ID numbers, contacts): 64 hex digits or base64. */
  DATA_ENCRYPTION_KEY: z.preprocess(emptyToUndefined, z.string().refine(isKey, { error: 'must be 32 bytes written as 64 hex digits or base64' }).optional()),
  DATA_ENCRYPTION_KEY_ID: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'must be 1-32 letters, digits, _ or -' }).default('k1')),
  /** Earlier keys after a rotation, for reading: `id:key,id:key`. */
  DATA_ENCRYPTION_PREVIOUS_KEYS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((list) => list.split(',').every((entry) => /^[A-Za-z0-9_-]{1,32}:/.test(entry.trim()) && isKey(entry.trim().replace(/^[^:]*:/, ''))), {
        error: 'must be id:key pairs separated by commas, each key 32 bytes as hex or base64',
      })
      .optional(),
  ),
  /** `production` never gets a generated development data key. */
  NODE_ENV: z.preprocess(emptyToUndefined, z.string().optional()),
  ...channelEnvShape,
});

export type Env = z.input<typeof envSchema>;
export type JobGroup = (typeof JOB_GROUPS)[number];

export interface Config {
  /** Where the database is; `embedded` means gongkai starts FerretDB itself when nothing listens. */
  readonly database:
    | { readonly kind: 'external'; readonly uri: string; readonly dbName: string }
    | {
        readonly kind: 'embedded';
        readonly uri: string;
        readonly dbName: string;
        readonly port: number;
        readonly dataDir: string;
      };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimit: string;
    /** Where the public reaches this service; used in feed and channel links. */
    readonly publicBaseUrl: string;
    readonly publicRateLimit: number;
    /** Believe X-Forwarded-For (last hop) for client addresses. */
    readonly trustProxy: boolean;
    /** Browser origins allowed to call the API cross-origin (CORS); empty: none. */
    readonly corsOrigins: readonly string[];
  };
  /** Requests per minute per API key on agency endpoints (429 with Retry-After beyond). */
  readonly agencyRateLimit: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly jobs: {
    readonly pollMs: number;
    /** The job groups this process runs; a worker started for one group loads only that group's code. */
    readonly groups: readonly JobGroup[];
    /** Where a worker-only process serves /metrics and /healthz; undefined: it serves none. */
    readonly metricsPort: number | undefined;
  };
  readonly shutdownGraceMs: number;
  readonly channels: ChannelsConfig;
  /** Where lists, search and reports are answered: a SQLite file on this machine, or MongoDB. */
  readonly readModel: { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'mongodb' };
  /** Keys sealing personal data at rest (core/crypto/sealed.ts); absent: information requests are refused (503). */
  readonly dataKeys?: SealKeys;
  /**
   * Without DATA_ENCRYPTION_KEY, on the embedded default (no MONGODB_URI) and outside
   * NODE_ENV=production: the file in the data folder holding a key generated for development
   * (core/crypto/development-key.ts). Absent otherwise: requests stay refused.
   */
  readonly developmentKeyFile?: string;
  /** NODE_ENV=production. */
  readonly production: boolean;
}

/** Raised for a bad environment; its message names the variable and is safe to print. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULT_DB_NAME = 'gongkai';

/**
 * Parses the environment once. Throws ConfigError naming the first bad variable;
 * the message never echoes the value, since it may be a credential.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${variable} ${issue.message}`);
  }
  const e = parsed.data;
  const channels = channelsConfig(e);
  if ('error' in channels) throw new ConfigError(channels.error);
  const database: Config['database'] = e.MONGODB_URI
    ? { kind: 'external', uri: e.MONGODB_URI, dbName: e.MONGODB_DB ?? dbNameFromUri(e.MONGODB_URI) }
    : {
        kind: 'embedded',
        uri: `mongodb://127.0.0.1:${e.EMBEDDED_DB_PORT}/`,
        dbName: e.MONGODB_DB ?? DEFAULT_DB_NAME,
        port: e.EMBEDDED_DB_PORT,
        dataDir: path.resolve(cwd, e.EMBEDDED_DB_DIR),
      };
  return deepFreeze({
    database,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimit: e.BODY_LIMIT.toLowerCase(),
      publicBaseUrl: e.PUBLIC_BASE_URL ?? `http://${e.HOST}:${e.PORT}`,
      publicRateLimit: e.PUBLIC_RATE_LIMIT,
      trustProxy: e.TRUST_PROXY === 'true',
      corsOrigins: e.CORS_ORIGINS,
    },
    agencyRateLimit: e.AGENCY_RATE_LIMIT,
    logLevel: e.LOG_LEVEL,
    jobs: { pollMs: e.JOBS_POLL_MS, groups: e.WORKER_JOBS, metricsPort: e.WORKER_METRICS_PORT === 'off' ? undefined : e.WORKER_METRICS_PORT },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    channels,
    readModel: e.READ_MODEL === 'mongodb' ? { kind: 'mongodb' } : { kind: 'sqlite', file: readModelFile(e.READ_MODEL_FILE, database, cwd) },
    ...(e.DATA_ENCRYPTION_KEY ? { dataKeys: dataKeysOf(e.DATA_ENCRYPTION_KEY, e.DATA_ENCRYPTION_KEY_ID, e.DATA_ENCRYPTION_PREVIOUS_KEYS) } : {}),
    ...(!e.DATA_ENCRYPTION_KEY && database.kind === 'embedded' && e.NODE_ENV !== 'production'
      ? { developmentKeyFile: path.join(database.dataDir, 'keys', 'data-encryption.key') }
      : {}),
    production: e.NODE_ENV === 'production',
  });
}

function isKey(text: string): boolean {
  try {
    parseKey(text);
    return true;
  } catch {
    return false;
  }
}

function dataKeysOf(key: string, id: string, previous: string | undefined): SealKeys {
  const old = (previous ?? '').split(',').map((entry) => entry.trim()).filter(Boolean).map((entry) => {
    const cut = entry.indexOf(':');
    return { id: entry.slice(0, cut), key: parseKey(entry.slice(cut + 1)) };
  });
  return sealKeys({ id, key: parseKey(key) }, old);
}

/** `scheme://host[:port]` exactly, as browsers send it in Origin. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * The embedded default keeps everything in one data folder: the read model sits beside FerretDB's
 * files. One file per database, so two databases on one machine never share one.
 */
function readModelFile(given: string | undefined, database: Config['database'], cwd: string): string {
  if (given) return path.resolve(cwd, given);
  const folder = database.kind === 'embedded' ? database.dataDir : path.resolve(cwd, 'data');
  return path.join(folder, `read-model-${database.dbName}.sqlite`);
}

function dbNameFromUri(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}

/** The URI with any password replaced, for logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^(mongodb(?:\+srv)?:\/\/)([^@/]*)@/, (_m, scheme: string, auth: string) =>
    `${scheme}${auth.split(':')[0]}:***@`,
  );
}

function deepFreeze<T>(value: T): T {
  // Typed arrays (the data keys) cannot be frozen; they are never handed out for writing.
  if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
