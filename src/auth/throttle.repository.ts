import { sql } from 'kysely';
import type { Db } from '../shared/database.js';
import type { AuthThrottleRow } from './user.table.js';

export async function findThrottles(db: Db, keys: readonly string[]): Promise<AuthThrottleRow[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('auth_throttle').selectAll().where('key', 'in', keys).execute();
}

export async function saveThrottle(db: Db, row: AuthThrottleRow): Promise<void> {
  const { key: _key, ...counts } = row;
  await db
    .insertInto('auth_throttle')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet(counts))
    .execute();
}

export async function deleteThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('auth_throttle').where('key', '=', key).execute();
}

/** Takes one strike back, leaving any wait already running. */
export async function decrementThrottle(db: Db, key: string): Promise<void> {
  await db
    .updateTable('auth_throttle')
    .set({ failures: sql<number>`CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END` })
    .where('key', '=', key)
    .execute();
}

/** Counters whose window and waits are all over: nothing reads them again. */
export async function deleteStaleThrottles(db: Db, before: number): Promise<number> {
  const result = await db
    .deleteFrom('auth_throttle')
    .where('first_at', '<', before)
    .where('next_allowed_at', '<', before)
    .where('locked_until', '<', before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
