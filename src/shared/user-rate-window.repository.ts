import type { Executor } from './database.js';

/**
 * Takes the row lock of one user's limit, creating the row when missing, and returns its hits. Inside
 * a transaction the lock is held until it ends: on PostgreSQL a second instance's UPDATE waits here,
 * then reads what the first committed; on SQLite the one writer already serialises transactions. The
 * no-op UPDATE is the portable way to lock a row (SQLite has no SELECT … FOR UPDATE).
 */
export async function lockUserWindow(trx: Executor, name: string, userId: number): Promise<number[]> {
  await trx
    .insertInto('user_rate_windows')
    .values({ name, user_id: userId, hits: '[]' })
    .onConflict((oc) => oc.columns(['name', 'user_id']).doNothing())
    .execute();
  await trx
    .updateTable('user_rate_windows')
    .set((eb) => ({ hits: eb.ref('hits') }))
    .where('name', '=', name)
    .where('user_id', '=', userId)
    .execute();
  const row = await trx.selectFrom('user_rate_windows').select('hits').where('name', '=', name).where('user_id', '=', userId).executeTakeFirstOrThrow();
  return (JSON.parse(row.hits) as unknown[]).map(Number);
}

export async function saveUserWindow(trx: Executor, name: string, userId: number, hits: readonly number[]): Promise<void> {
  await trx
    .updateTable('user_rate_windows')
    .set({ hits: JSON.stringify(hits) })
    .where('name', '=', name)
    .where('user_id', '=', userId)
    .execute();
}
