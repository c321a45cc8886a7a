import type { Db, Executor } from '../shared/database.js';
import type { EmailConfirmationRow } from './user.table.js';

/** Stores the address's link, replacing any earlier one: only the newest link of an address works. */
export async function saveConfirmation(db: Executor, row: EmailConfirmationRow): Promise<void> {
  await db
    .insertInto('email_confirmations')
    .values(row)
    .onConflict((oc) => oc.column('email').doUpdateSet({ token_sha256: row.token_sha256, password_hash: row.password_hash, created_at: row.created_at, expires_at: row.expires_at }))
    .execute();
}

export async function findConfirmationByToken(db: Executor, tokenSha256: string): Promise<EmailConfirmationRow | undefined> {
  return db.selectFrom('email_confirmations').selectAll().where('token_sha256', '=', tokenSha256).executeTakeFirst();
}

export async function findConfirmationByEmail(db: Executor, email: string): Promise<EmailConfirmationRow | undefined> {
  return db.selectFrom('email_confirmations').selectAll().where('email', '=', email).executeTakeFirst();
}

/** Deletes the link only if it is still this token: false when another use or a newer link came first. */
export async function deleteConfirmation(db: Executor, tokenSha256: string): Promise<boolean> {
  const result = await db.deleteFrom('email_confirmations').where('token_sha256', '=', tokenSha256).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Links past their lifetime; run from the hourly housekeeping. */
export async function deleteExpiredConfirmations(db: Db, now: number): Promise<number> {
  const result = await db.deleteFrom('email_confirmations').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}
