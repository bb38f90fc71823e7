import type { Connection } from 'mongoose';
import { authenticateKey } from './api-keys.ts';

/**
 * Whether an Authorization header carries a valid `admin` API key (any agency): what the local
 * sandbox's pages ask of a caller under NODE_ENV=production. Same lookup as the agency endpoints.
 */
export async function isAdminKey(db: Connection, header: string | undefined): Promise<boolean> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return false;
  const principal = await authenticateKey(db, match[1]!).catch(() => undefined);
  return principal?.role === 'admin';
}
