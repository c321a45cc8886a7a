import type { Executor } from '../shared/database.js';
import type { ApiTokenRow, NewApiTokenRow } from './api-token.table.js';


export async function insertApiToken(db: Executor, row: NewApiTokenRow): Promise<number> {
  const inserted = await db.insertInto('api_tokens').values(row).returning('id').executeTakeFirstOrThrow();
  return inserted.id;
}

/** The user's tokens that still work, newest first. */
export async function listActiveApiTokens(db: Executor, userId: number): Promise<ApiTokenRow[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function countActiveApiTokens(db: Executor, userId: number): Promise<number> {
  const row = await db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Revokes one of the user's own tokens; false when there is no such token of theirs still active. */
export async function revokeApiToken(db: Executor, id: number, userId: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every active token of the user; returns how many. */
export async function revokeTokensOfUser(db: Executor, userId: number, now: number): Promise<number> {
  const result = await db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export interface TokenHolder {
  tokenId: number;
  userId: number;
  lastUsedAt: number | null;
}

/**
 * The token with this hash, if it is not revoked and its owner's account is not disabled. The lookup
 * is by the hash's unique index: an equality on a hash, so nothing about the token leaks through timing.
 */
export async function findTokenHolder(db: Executor, sha256: string): Promise<TokenHolder | undefined> {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as tokenId', 't.user_id as userId', 't.last_used_at as lastUsedAt'])
    .where('t.token_sha256', '=', sha256)
    .where('t.revoked_at', 'is', null)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function touchApiToken(db: Executor, id: number, now: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
}
