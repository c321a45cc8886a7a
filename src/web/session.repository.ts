import type { Executor } from '../shared/database.js';

// The express-session rows. Through Kysely like every other query, so a session write waits for an
// open transaction to end instead of joining it.

export async function findLiveSession(db: Executor, sid: string, now: number): Promise<{ sess: string; expires: number } | undefined> {
  const row = await db.selectFrom('sessions').select(['sess', 'expires']).where('sid', '=', sid).where('expires', '>', now).executeTakeFirst();
  return row && { sess: row.sess, expires: Number(row.expires) };
}

/** Several sessions in one statement (one commit, one fsync); each sid at most once. */
export async function upsertSessions(db: Executor, rows: ReadonlyArray<{ sid: string; sess: string; expires: number }>): Promise<void> {
  await db
    .insertInto('sessions')
    .values(rows.map(({ sid, sess, expires }) => ({ sid, sess, expires })))
    .onConflict((oc) => oc.column('sid').doUpdateSet((eb) => ({ sess: eb.ref('excluded.sess'), expires: eb.ref('excluded.expires') })))
    .execute();
}

/** Saves a session this instance read or wrote before; a row deleted meanwhile (signed out elsewhere) stays deleted. */
export async function updateSession(db: Executor, row: { sid: string; sess: string; expires: number }): Promise<void> {
  await db.updateTable('sessions').set({ sess: row.sess, expires: row.expires }).where('sid', '=', row.sid).execute();
}

export async function touchSession(db: Executor, sid: string, expires: number): Promise<void> {
  await db.updateTable('sessions').set({ expires }).where('sid', '=', sid).execute();
}

export async function deleteSession(db: Executor, sid: string): Promise<void> {
  await db.deleteFrom('sessions').where('sid', '=', sid).execute();
}

export async function deleteExpiredSessions(db: Executor, now: number): Promise<number> {
  const result = await db.deleteFrom('sessions').where('expires', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
