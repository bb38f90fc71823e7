import type { Agenda } from 'agenda';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';

export interface JobDeps {
  db: Connection;
  logger: Logger;
}

/**
 * Every job the worker runs, defined in one place so that API and worker processes agree on
 * names. Each job carries ids only and claims its work with one conditional write.
 */
export function defineJobs(_agenda: Agenda, _deps: JobDeps): void {
  // The fan-out, reaction-collection and compliance jobs register here as they land.
}
