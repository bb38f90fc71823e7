import type { Connection } from 'mongoose';

/** Time spent in database commands, by command and collection (`--db-timing`). */
export function commandTimer(db: Connection) {
  const client = db.getClient();
  const started = new Map<number, string>();
  const totals = new Map<string, { count: number; ms: number; calls: number[] }>();
  let on = false;
  client.on('commandStarted', (e) => {
    if (!on) return;
    const target = e.commandName === 'getMore' ? e.command.collection : e.command[e.commandName];
    started.set(e.requestId, `${e.commandName} ${typeof target === 'string' ? target : ''}`.trim());
  });
  const done = (e: { requestId: number; duration: number }) => {
    const key = started.get(e.requestId);
    if (key === undefined) return;
    started.delete(e.requestId);
    const total = totals.get(key) ?? { count: 0, ms: 0, calls: [] };
    total.count++;
    total.ms += e.duration;
    // Kept to compare early and late calls: a cost that grows with the collection shows up here.
    if (total.calls.length < 100_000) total.calls.push(e.duration);
    totals.set(key, total);
  };
  client.on('commandSucceeded', done);
  client.on('commandFailed', done);
  return {
    start: () => (on = true),
    stop: () => (on = false),
    rows: () => [...totals].sort((a, b) => b[1].ms - a[1].ms),
  };
}

export type CommandTimes = ReturnType<ReturnType<typeof commandTimer>['rows']>;
