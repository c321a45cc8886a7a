import { sql } from 'kysely';
import { databaseDialect, type Db } from '../shared/database.js';
import type { NewUserRow, UserRow, UserUpdate } from './user.table.js';

export async function insertUser(db: Db, row: NewUserRow): Promise<UserRow> {
  return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateUser(db: Db, id: number, update: UserUpdate): Promise<void> {
  await db.updateTable('users').set(update).where('id', '=', id).execute();
}

/** Deletes the account; its reports, their rows and its own API key go with it (ON DELETE CASCADE). */
export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** Every stored session signed in as this user (the session JSON holds the id). */
export async function deleteSessionsOfUser(db: Db, userId: number): Promise<number> {
  const sessionUserId =
    databaseDialect(db) === 'postgres' ? sql<number>`CAST(CAST(sess AS jsonb) ->> 'userId' AS bigint)` : sql<number>`json_extract(sess, '$.userId')`;
  const result = await db.deleteFrom('sessions').where(sessionUserId, '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Inserts the value unless one is already stored; returns whichever is stored. */
export async function insertSettingOnce(db: Db, key: string, value: string): Promise<string> {
  await db.insertInto('app_settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute();
  return (await findSetting(db, key)) ?? value;
}

/** Sets is_admin on the account with this email; false when there is none. */
export async function updateAdminFlag(db: Db, email: string, isAdmin: boolean): Promise<boolean> {
  const result = await db.updateTable('users').set({ is_admin: isAdmin ? 1 : 0 }).where('email', '=', email).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Accounts with is_admin set, or whose address is one of `emails`, oldest first. */
export async function findAdminCandidates(db: Db, emails: readonly string[]): Promise<UserRow[]> {
  return db
    .selectFrom('users')
    .selectAll()
    .where((eb) => (emails.length > 0 ? eb.or([eb('is_admin', '=', 1), eb('email', 'in', emails)]) : eb('is_admin', '=', 1)))
    .orderBy('id')
    .execute();
}
