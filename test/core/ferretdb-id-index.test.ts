import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { MongoClient, ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { indexIdLookups } from '../../core/embedded/ferretdb-process.ts';
import { ensureIdIndexes, idIndexName } from '../../core/embedded/id-index.ts';
import { startOwnFerretDB } from '../helpers/db.ts';

/** Opens a database file of a (possibly running) server just for `use`: a connection held open races dropDatabase. */
function withFile<T>(dataDir: string, dbName: string, use: (db: Database.Database) => T): T {
  const db = new Database(path.join(dataDir, 'db', `${dbName}.sqlite`), { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    return use(db);
  } finally {
    db.close();
  }
}

const tableOf = (db: Database.Database, collection: string) =>
  db.prepare<[string], { table_name: string }>('SELECT table_name FROM _ferretdb_collections WHERE name = ?').get(collection)!.table_name;

const hasIdIndex = (db: Database.Database, table: string) =>
  db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?").get(idIndexName(table)) !== undefined;

/** The plan of the statement FerretDB runs for findOne({_id}) (collection.go Query). */
const lookupPlan = (db: Database.Database, table: string) =>
  db
    .prepare<[string], { detail: string }>(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "${table}" WHERE _ferretdb_sjson->'$._id' = ?`)
    .all('"x"')
    .map((r) => r.detail)
    .join('; ');

/** The plan FerretDB's own SQLite (not better-sqlite3's) chose, from its explain command. */
async function ferretPlan(client: MongoClient, db: string, collection: string, id: unknown): Promise<string> {
  const explained = await client.db(db).collection(collection).find({ _id: id as never }).explain();
  return ((explained.queryPlanner as { Plan?: string[] }).Plan ?? []).join('; ');
}

const integrity = (dataDir: string, dbName: string) => withFile(dataDir, dbName, (db) => db.pragma('integrity_check', { simple: true }));

describe('the _id lookup index on FerretDB tables', () => {
  it('is built at start-up for existing collections, used, and finds, updates and deletes the right documents', async () => {
    const server = await startOwnFerretDB();
    let client = await MongoClient.connect(server.uri);
    const oid = new ObjectId();
    const other = new ObjectId();
    await client.db('app').collection<{ _id: string | ObjectId; name: string }>('people').insertMany([
      { _id: 'zhang-san', name: '张三' },
      { _id: oid, name: '李四' },
      { _id: other, name: '王五' },
      ...Array.from({ length: 200 }, (_, i) => ({ _id: `p-${i}`, name: `n${i}` })),
    ]);
    await client.db('other').collection('notes').insertOne({ text: '公示' });
    await client.close();
    let table = withFile(server.dataDir, 'app', (db) => tableOf(db, 'people'));
    // Created after start-up and not indexed live: FerretDB scans.
    expect(withFile(server.dataDir, 'app', (db) => lookupPlan(db, table))).toMatch(/^SCAN/);

    await server.stop();
    await server.restart();
    client = await MongoClient.connect(server.uri);
    withFile(server.dataDir, 'app', (db) => {
      table = tableOf(db, 'people');
      expect(hasIdIndex(db, table)).toBe(true);
      expect(lookupPlan(db, table)).toContain(`USING INDEX ${idIndexName(table)}`);
    });
    withFile(server.dataDir, 'other', (db) => expect(hasIdIndex(db, tableOf(db, 'notes'))).toBe(true));
    expect(await ferretPlan(client, 'app', 'people', 'zhang-san')).toContain(`USING INDEX ${idIndexName(table)}`);
    expect(await ferretPlan(client, 'app', 'people', oid)).toContain(`USING INDEX ${idIndexName(table)}`);

    const people = client.db('app').collection<{ _id: string | ObjectId; name: string; seen?: boolean }>('people');
    expect(await people.findOne({ _id: 'zhang-san' })).toEqual({ _id: 'zhang-san', name: '张三' });
    expect(await people.findOne({ _id: oid })).toEqual({ _id: oid, name: '李四' });
    // Both kinds are one JSON string in SQLite; FerretDB tells them apart after the lookup.
    expect(await people.findOne({ _id: oid.toHexString() })).toBeNull();
    expect(await people.findOne({ _id: 'nobody' })).toBeNull();
    expect(await people.findOne({ _id: new ObjectId() })).toBeNull();

    expect((await people.updateOne({ _id: oid }, { $set: { seen: true } })).modifiedCount).toBe(1);
    expect((await people.updateOne({ _id: 'p-3' }, { $set: { seen: true } })).modifiedCount).toBe(1);
    expect((await people.updateOne({ _id: 'nobody' }, { $set: { seen: true } })).matchedCount).toBe(0);
    const seen = await people.find({ seen: true }).toArray();
    expect(seen.map((p) => p.name).sort()).toEqual(['n3', '李四']);

    expect((await people.deleteOne({ _id: other.toHexString() })).deletedCount).toBe(0);
    expect((await people.deleteOne({ _id: other })).deletedCount).toBe(1);
    expect(await people.findOne({ _id: other })).toBeNull();
    expect((await people.deleteOne({ _id: 'p-7' })).deletedCount).toBe(1);
    expect((await people.deleteMany({ _id: { $in: ['p-8', 'p-9'] } })).deletedCount).toBe(2);
    expect(await people.findOne({ _id: 'p-7' })).toBeNull();
    expect(await people.countDocuments()).toBe(203 - 4);
    // Rows written by FerretDB's SQLite agree with the index entries ours computed, and back.
    expect(integrity(server.dataDir, 'app')).toBe('ok');
    await client.close();
  });

  it("leaves FerretDB's own index commands, collStats, renameCollection and the drops working", async () => {
    const server = await startOwnFerretDB();
    let client = await MongoClient.connect(server.uri);
    await client.db('ops').collection<{ _id: string; seq: number; code: string }>('items').insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `i-${i}`, seq: i, code: `c${i}` })));
    await client.db('gone').collection('x').insertOne({ _id: 'x-1' as never });
    await client.close();
    await server.stop();
    await server.restart();
    client = await MongoClient.connect(server.uri);
    const items = client.db('ops').collection<{ _id: string; seq: number; code: string }>('items');
    const names = async () => (await items.listIndexes().toArray()).map((i) => i.name).sort();

    expect(await names()).toEqual(['_id_']);
    await items.createIndex({ seq: 1 });
    await items.createIndex({ code: 1 }, { unique: true });
    expect(await names()).toEqual(['_id_', 'code_1', 'seq_1']);
    await expect(items.insertOne({ _id: 'dup', seq: 99, code: 'c1' })).rejects.toThrow(/duplicate key/);
    const stats = await client.db('ops').command({ collStats: 'items' });
    expect(Object.keys(stats.indexSizes as object).sort()).toEqual(['_id_', 'code_1', 'seq_1']);
    await items.dropIndex('seq_1');
    expect(await names()).toEqual(['_id_', 'code_1']);
    await items.dropIndexes();
    expect(await names()).toEqual(['_id_']);
    const table = withFile(server.dataDir, 'ops', (db) => tableOf(db, 'items'));
    withFile(server.dataDir, 'ops', (db) => expect(hasIdIndex(db, table)).toBe(true));

    await items.rename('renamed');
    const renamed = client.db('ops').collection<{ _id: string; seq: number }>('renamed');
    expect(await renamed.findOne({ _id: 'i-3' })).toMatchObject({ seq: 3 });
    expect(await ferretPlan(client, 'ops', 'renamed', 'i-3')).toContain(`USING INDEX ${idIndexName(table)}`);
    expect((await renamed.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);

    await renamed.drop();
    withFile(server.dataDir, 'ops', (db) => {
      expect(db.prepare("SELECT name FROM sqlite_schema WHERE tbl_name = ?").all(table)).toEqual([]);
    });
    await client.db('gone').dropDatabase();
    expect(existsSync(path.join(server.dataDir, 'db', 'gone.sqlite'))).toBe(false);
    expect(indexIdLookups(server.dataDir).warnings).toEqual([]);
    await client.db('gone').collection('x').insertOne({ _id: 'x-2' as never });
    expect(await client.db('gone').collection('x').find().toArray()).toEqual([{ _id: 'x-2' }]);
    await client.close();
  });

  it('indexes collections created after start-up when called live, while a client reads and writes', { timeout: 180_000 }, async () => {
    const server = await startOwnFerretDB();
    const client = await MongoClient.connect(server.uri);
    const live = client.db('busy').collection<{ _id: string; n: number }>('live');
    for (let batch = 0; batch < 5; batch++) {
      await live.insertMany(Array.from({ length: 1000 }, (_, i) => ({ _id: `seed-${batch * 1000 + i}`, n: 0, pad: '公示'.repeat(100) })));
    }
    const load = startLoad(server.uri);
    await load.ready;
    let table = '';
    // Each round builds the index on a 5,000-document table the client is writing to, then drops it
    // so the next round builds it again; the client meanwhile creates collections of its own.
    for (let round = 0; round < 8; round++) {
      const result = indexIdLookups(server.dataDir);
      expect(result.warnings).toEqual([]);
      withFile(server.dataDir, 'busy', (db) => {
        table = tableOf(db, 'live');
        expect(lookupPlan(db, table)).toContain('USING INDEX');
        db.exec(`DROP INDEX "${idIndexName(table)}"`);
      });
      await sleep(50);
    }
    const summary = await load.stop();
    expect(summary.errors).toEqual([]);
    expect(summary.checked).toBeGreaterThan(0);

    const first = indexIdLookups(server.dataDir);
    expect(first.created).toBeGreaterThan(0); // `live` again, and the client's new collections
    const second = indexIdLookups(server.dataDir);
    expect(second).toEqual({ ...first, created: 0 });
    withFile(server.dataDir, 'busy', (db) => {
      const tables = db.prepare<[], { table_name: string }>('SELECT table_name FROM _ferretdb_collections').all();
      expect(tables.length).toBeGreaterThan(1);
      for (const { table_name } of tables) expect(lookupPlan(db, table_name)).toContain(`USING INDEX ${idIndexName(table_name)}`);
    });
    expect(await ferretPlan(client, 'busy', 'fresh_0', 'f-1')).toContain('USING INDEX');
    expect(await client.db('busy').collection('fresh_0').findOne({ _id: 'f-1' as never })).toMatchObject({ k: 0 });
    expect(await live.findOne({ _id: 'seed-4999' })).toMatchObject({ n: 0 });
    expect(integrity(server.dataDir, 'busy')).toBe('ok');
    await client.close();
  });

  it('skips files that are not FerretDB databases and still indexes the others', async () => {
    const server = await startOwnFerretDB();
    const client = await MongoClient.connect(server.uri);
    await client.db('real').collection('c').insertOne({ _id: 'r-1' as never });
    await client.close();
    await server.stop();
    const dbDir = path.join(server.dataDir, 'db');
    writeFileSync(path.join(dbDir, 'garbage.sqlite'), 'not a database at all, just text '.repeat(200));
    const plain = new Database(path.join(dbDir, 'plain.sqlite'));
    plain.exec('CREATE TABLE t (x TEXT)');
    plain.close();
    await fs.mkdir(path.join(dbDir, 'nested.sqlite'));

    const result = ensureIdIndexes(server.dataDir);
    expect(result).toMatchObject({ databases: 1, tables: 1, created: 1 });
    expect(result.warnings).toHaveLength(2);
    expect(result.warnings.find((w) => w.includes('plain.sqlite'))).toContain('not a FerretDB database');
    expect(result.warnings.find((w) => w.includes('garbage.sqlite'))).toBeDefined();
    withFile(server.dataDir, 'plain', (db) => expect(db.prepare('SELECT name FROM sqlite_schema').all()).toEqual([{ name: 't' }]));
    expect(ensureIdIndexes(path.join(os.tmpdir(), 'gongkai-no-such-folder'))).toEqual({ databases: 0, tables: 0, created: 0, warnings: [] });
  });
});

/**
 * A client in a process of its own (ensureIdIndexes is synchronous and would stall one in ours)
 * that writes, reads back, updates and deletes by _id, and creates collections, until told to stop.
 */
function startLoad(uri: string) {
  const script = `
    import { MongoClient, ObjectId } from 'mongodb';
    import readline from 'node:readline';
    const client = await MongoClient.connect(${JSON.stringify(uri)});
    const db = client.db('busy');
    const live = db.collection('live');
    const errors = [];
    let checked = 0, stop = false, fresh = 0;
    readline.createInterface({ input: process.stdin }).on('line', () => (stop = true));
    const expect = (ok, what) => { if (!ok) errors.push(what); };
    console.log('ready');
    for (let i = 0; !stop || i < 50; i++) {
      try {
        const sid = 'w-' + i, oid = new ObjectId();
        await live.insertMany([{ _id: sid, n: i }, { _id: oid, n: -i }]);
        expect((await live.findOne({ _id: sid }))?.n === i, 'find ' + sid);
        expect((await live.findOne({ _id: oid }))?.n === -i, 'find oid ' + i);
        expect((await live.findOne({ _id: 'seed-' + (i % 5000) }))?.n === 0, 'find seed ' + i);
        expect((await live.updateOne({ _id: sid }, { $inc: { n: 1 } })).modifiedCount === 1, 'update ' + sid);
        expect((await live.findOne({ _id: sid }))?.n === i + 1, 'updated ' + sid);
        expect((await live.deleteOne({ _id: oid })).deletedCount === 1, 'delete oid ' + i);
        expect((await live.findOne({ _id: oid })) === null, 'deleted oid ' + i);
        if (i % 10 === 0) await db.collection('fresh_' + fresh++).insertMany([{ _id: 'f-1', k: fresh - 1 }, { _id: 'f-2' }]);
        checked++;
      } catch (error) {
        errors.push(String(error));
      }
    }
    await client.close();
    console.log(JSON.stringify({ errors: errors.slice(0, 20), checked }));
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => out.startsWith('ready') && resolve());
    void exited.then(() => reject(new Error(`load exited early: ${out}`)));
  });
  return {
    ready,
    stop: async (): Promise<{ errors: string[]; checked: number }> => {
      child.stdin.end('stop\n');
      await exited;
      return JSON.parse(out.trim().split('\n').pop()!) as { errors: string[]; checked: number };
    },
  };
}
