import type { Db } from 'mongodb';

export interface ServerTraits {
  /**
   * FerretDB 1.x answers only a lone `_id` equality from SQL and decodes the whole collection for
   * any other filter, `{_id, version}` included; MongoDB uses the `_id` index either way.
   */
  lookupsByIdOnly: boolean;
}

const known = new WeakMap<Db, Promise<ServerTraits>>();

/** What the server behind `db` is, asked once per database handle (buildInfo names FerretDB). */
export function serverTraits(db: Db): Promise<ServerTraits> {
  let traits = known.get(db);
  if (!traits) {
    traits = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => ({ lookupsByIdOnly: typeof info.ferretdbVersion === 'string' }));
    // A failed probe is asked again next time rather than remembered.
    traits.catch(() => known.delete(db));
    known.set(db, traits);
  }
  return traits;
}
