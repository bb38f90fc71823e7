import { pino, type Logger } from 'pino';

/**
 * JSON logs on stdout. Request bodies are never logged; these paths are censored in case a
 * caller passes an object that carries a credential.
 */
const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers.cookie',
  '*.apiKey',
  '*.secret',
  '*.password',
  '*.token',
  '*.sessionKey',
  '*.session_key',
  '*.access_token',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gongkai' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
