import type { Db } from '../shared/database.js';
import type { UserApiKeyRow, UserApiKeyTable } from './user-api-key.table.js';

export async function findApiKey(db: Db, userId: number): Promise<UserApiKeyRow | undefined> {
  return db.selectFrom('user_api_keys').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

function activeApiKeys(db: Db) {
  return db
    .selectFrom('user_api_keys')
    .innerJoin('users', 'users.id', 'user_api_keys.user_id')
    .selectAll('user_api_keys')
    .where('users.disabled_at', 'is', null);
}

/** Every personal key of an enabled account: the lookup engine loads them at start. */
export async function listActiveApiKeys(db: Db): Promise<UserApiKeyRow[]> {
  return activeApiKeys(db).execute();
}

/** A user's key, unless there is none or the account is disabled. */
export async function findActiveApiKey(db: Db, userId: number): Promise<UserApiKeyRow | undefined> {
  return activeApiKeys(db).where('user_api_keys.user_id', '=', userId).executeTakeFirst();
}

export async function saveApiKey(db: Db, row: UserApiKeyTable): Promise<void> {
  await db
    .insertInto('user_api_keys')
    .values(row)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({
      key_encrypted: row.key_encrypted,
      key_hint: row.key_hint,
      fingerprint: row.fingerprint,
      per_minute: row.per_minute,
      per_day: row.per_day,
      per_month: row.per_month,
      use_shared: row.use_shared,
      updated_at: row.updated_at,
    }))
    .execute();
}

export async function deleteApiKey(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('user_api_keys').where('user_id', '=', userId).execute();
}
