import type { Connection } from 'mongoose';
import { z } from 'zod';
import { agencyModel } from '../models/agency.model.ts';
import { ROLES, type Role } from '../models/api-key.model.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { generatePassword, hashPassword, verifyPassword, type PasswordHash } from './passwords.ts';

/**
 * Staff accounts: people of one agency who sign in to the console with a username and password,
 * holding one of the API keys' roles. `_id` is `staff:<username>`: usernames are unique in the
 * deployment by the primary key alone, and signing in is one `_id` lookup (the only query
 * FerretDB 1.x answers from an index). `epoch` rises on every reset and disable, which ends the
 * account's sessions (they carry the epoch they were issued under).
 */
export interface StaffRecord {
  _id: string;
  username: string;
  agencyCode: string;
  role: Role;
  displayName?: string;
  password: PasswordHash;
  epoch: number;
  disabledAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const STAFF_COLLECTION = 'staff_accounts';
export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{1,39}$/, 'must be 2-40 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');
export const passwordSchema = z.string().min(12, 'must be at least 12 characters').max(200);

export const staffIdOf = (username: string) => `staff:${username}`;
const staff = (db: Connection) => db.collection<StaffRecord>(STAFF_COLLECTION);

/** What may be shown of an account: never the hash. */
export interface StaffView {
  username: string;
  agencyCode: string;
  role: Role;
  displayName?: string;
  disabled: boolean;
  createdAt: string;
}

export function staffView(record: StaffRecord): StaffView {
  return {
    username: record.username,
    agencyCode: record.agencyCode,
    role: record.role,
    ...(record.displayName ? { displayName: record.displayName } : {}),
    disabled: Boolean(record.disabledAt),
    createdAt: record.createdAt.toISOString(),
  };
}

export async function findStaff(db: Connection, username: string): Promise<StaffRecord | undefined> {
  return (await staff(db).findOne({ _id: staffIdOf(username) })) ?? undefined;
}

/** Creates an account; the password is generated when not given and returned once. */
export async function createStaff(
  db: Connection,
  input: { agencyCode: string; username: string; role: Role; displayName?: string; password?: string },
  now = new Date(),
): Promise<{ account: StaffView; password: string }> {
  const username = usernameSchema.parse(input.username);
  if (!ROLES.includes(input.role)) throw new ValidationError(`role must be one of ${ROLES.join(', ')}`, [{ path: 'role', message: 'unknown role' }]);
  const password = input.password === undefined ? generatePassword() : passwordSchema.parse(input.password);
  const agency = await agencyModel(db).findOne({ code: input.agencyCode }, { code: 1 }).lean();
  if (!agency) throw new NotFoundError(`no agency with code ${input.agencyCode}`);
  const record: StaffRecord = {
    _id: staffIdOf(username),
    username,
    agencyCode: input.agencyCode,
    role: input.role,
    ...(input.displayName ? { displayName: input.displayName } : {}),
    password: await hashPassword(password),
    epoch: 1,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await staff(db).insertOne(record);
  } catch (error) {
    if ((error as { code?: unknown }).code === 11000) throw new ConflictError(`username ${username} is taken`, [{ path: 'username', message: 'taken' }]);
    throw error;
  }
  return { account: staffView(record), password };
}

/**
 * The account of `username` when it belongs to `agencyCode` (an admin manages only their own
 * agency's staff: another agency's account is 404, as if it did not exist).
 */
async function ownAccount(db: Connection, username: string, agencyCode: string | undefined): Promise<StaffRecord> {
  const record = await findStaff(db, username);
  if (!record || (agencyCode !== undefined && record.agencyCode !== agencyCode)) throw new NotFoundError(`no staff account ${username}`);
  return record;
}

/** Disables the account and ends its sessions. A second disable changes nothing. */
export async function disableStaff(db: Connection, username: string, agencyCode: string | undefined, now = new Date()): Promise<StaffView> {
  const record = await ownAccount(db, username, agencyCode);
  if (record.disabledAt) return staffView(record);
  await staff(db).updateOne({ _id: record._id }, { $set: { disabledAt: now, updatedAt: now, epoch: record.epoch + 1 } });
  return staffView({ ...record, disabledAt: now });
}

/** A new password (generated when not given, returned once), re-enabling the account; old sessions end. */
export async function resetStaff(
  db: Connection,
  username: string,
  agencyCode: string | undefined,
  password: string | undefined,
  now = new Date(),
): Promise<{ account: StaffView; password: string }> {
  const record = await ownAccount(db, username, agencyCode);
  const next = password === undefined ? generatePassword() : passwordSchema.parse(password);
  const hash = await hashPassword(next);
  await staff(db).updateOne({ _id: record._id }, { $set: { password: hash, updatedAt: now, epoch: record.epoch + 1 }, $unset: { disabledAt: '' } });
  const { disabledAt: _gone, ...rest } = record;
  return { account: staffView({ ...rest, password: hash }), password: next };
}

/**
 * One agency's accounts for its admin. A scan of `staff_accounts`, which FerretDB decodes whole:
 * acceptable because the collection holds people (tens per agency, a few thousand in a
 * deployment), and only an admin's staff page asks; sign-in and sessions never scan.
 */
export async function listStaff(db: Connection, agencyCode: string): Promise<StaffView[]> {
  const records = await staff(db).find({ agencyCode }).toArray();
  return records.map(staffView).sort((a, b) => a.username.localeCompare(b.username));
}

/** The account when the password is right and it is not disabled; undefined otherwise (timing-safe). */
export async function checkStaffPassword(db: Connection, username: string, password: string): Promise<StaffRecord | undefined> {
  const record = usernameSchema.safeParse(username).success ? await findStaff(db, username) : undefined;
  const ok = await verifyPassword(password, record?.password);
  return ok && record && !record.disabledAt ? record : undefined;
}
