import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { FERRETDB_BINARY } from '../../core/embedded/ferretdb-build.ts';
import { DataDirLockedError, freePort, isListening, startFerretDB } from '../../core/embedded/ferretdb-process.ts';
import { startOwnFerretDB } from '../helpers/db.ts';

describe('the embedded FerretDB', () => {
  it('refuses a second server on a data folder in use, and the data stays intact', async () => {
    const first = await startOwnFerretDB();
    const client = await MongoClient.connect(first.uri);
    try {
      await client.db('lockcheck').collection('notes').insertOne({ text: '住房分配结果', n: 1 });

      const attempt = startFerretDB({ binary: FERRETDB_BINARY, port: await freePort(), dataDir: first.dataDir });
      await expect(attempt).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(attempt).rejects.toThrow(`in use by process ${first.pid}`);

      await client.db('lockcheck').collection('notes').insertOne({ text: '第二条', n: 2 });
      const notes = await client.db('lockcheck').collection('notes').find({}, { sort: { n: 1 } }).toArray();
      expect(notes.map((n) => n.text)).toEqual(['住房分配结果', '第二条']);
    } finally {
      await client.close();
    }
  });

  it('keeps its data across a restart', async () => {
    const server = await startOwnFerretDB();
    let client = await MongoClient.connect(server.uri);
    await client.db('persist').collection('things').insertOne({ code: 'K-1' });
    await client.close();
    await server.stop();
    expect(await isListening('127.0.0.1', server.port)).toBe(false);
    await server.restart();
    client = await MongoClient.connect(server.uri);
    expect(await client.db('persist').collection('things').countDocuments({ code: 'K-1' })).toBe(1);
    await client.close();
  });

  it('takes over a lock left by a process that died', async () => {
    const server = await startOwnFerretDB();
    await server.stop();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.once('exit', resolve));
    writeFileSync(path.join(server.dataDir, 'ferretdb.lock'), String(dead.pid));
    const restarted = await server.restart();
    expect(await isListening('127.0.0.1', restarted.port)).toBe(true);
    await server.stop();
    expect(existsSync(path.join(server.dataDir, 'ferretdb.lock'))).toBe(false);
  });
});
