import type { Connection } from 'mongoose';

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** Did a write command's reply say it changed anything? */
function changed(command: string, reply: Record<string, unknown>): boolean {
  if (command === 'insert' || command === 'delete') return Number(reply.n ?? 0) > 0;
  if (command === 'update') return Number(reply.nModified ?? 0) > 0 || (Array.isArray(reply.upserted) && reply.upserted.length > 0);
  const last = reply.lastErrorObject as { n?: number } | undefined;
  return Number(last?.n ?? 0) > 0;
}

/**
 * Every write that changed a document, as `command collection`, from the driver's command
 * events (the connection needs `monitorCommands`). Cheaper than counting every collection
 * around each request, and it sees updates too, not only inserts and deletes.
 */
export function watchWrites(connection: Connection): string[] {
  const writes: string[] = [];
  const pending = new Map<number, string>();
  const client = connection.getClient();
  client.on('commandStarted', (e) => {
    if (WRITE_COMMANDS.has(e.commandName)) pending.set(e.requestId, String(e.command[e.commandName]));
  });
  client.on('commandSucceeded', (e) => {
    const collection = pending.get(e.requestId);
    if (collection === undefined) return;
    pending.delete(e.requestId);
    if (changed(e.commandName, e.reply as Record<string, unknown>)) writes.push(`${e.commandName} ${collection}`);
  });
  client.on('commandFailed', (e) => pending.delete(e.requestId));
  return writes;
}

/** Paths of keys MongoDB would read as operators or paths: `$…`, containing `.`, or NUL. */
export function unsafeKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unsafeKeys(v, `${path}.${i}`));
  if (!value || typeof value !== 'object' || value.constructor?.name !== 'Object') return [];
  return Object.entries(value).flatMap(([key, child]) => [
    ...(key.startsWith('$') || key.includes('.') || key.includes('\u0000') ? [`${path}.${key}`] : []),
    ...unsafeKeys(child, `${path}.${key}`),
  ]);
}

/**
 * Everything wrong with the stored documents: unsafe keys anywhere, documents that fail
 * their mongoose model's schema (required fields, enums, types), and disclosures whose
 * revisions are not a complete history.
 */
export async function storedProblems(db: Connection): Promise<string[]> {
  const problems: string[] = [];
  const models = new Map(Object.values(db.models).map((m) => [m.collection.collectionName, m]));
  for (const { name } of await db.db!.listCollections({}, { nameOnly: true }).toArray()) {
    const model = models.get(name);
    for await (const doc of db.db!.collection(name).find({})) {
      const where = `${name}/${String(doc._id)}`;
      for (const key of unsafeKeys(doc)) problems.push(`${where}: unsafe key ${key}`);
      const invalid = model ? model.hydrate(doc).validateSync() : undefined;
      if (invalid) problems.push(`${where}: ${invalid.message}`);
      if (name === 'disclosures') problems.push(...disclosureProblems(doc).map((p) => `${where}: ${p}`));
    }
  }
  return problems;
}

function disclosureProblems(doc: Record<string, unknown>): string[] {
  const revisions = doc.revisions as { n?: unknown; title?: unknown; content?: unknown }[] | undefined;
  if (!Array.isArray(revisions) || revisions.length === 0) return ['no revisions'];
  const problems: string[] = [];
  revisions.forEach((r, i) => {
    if (r.n !== i + 1) problems.push(`revision ${i} numbered ${String(r.n)}`);
    if (typeof r.title !== 'string' || !r.title.trim()) problems.push(`revision ${i} without a title`);
    if (!r.content || typeof r.content !== 'object') problems.push(`revision ${i} without content`);
  });
  if (doc.version !== undefined && typeof doc.version !== 'number') problems.push('version is not a number');
  return problems;
}
