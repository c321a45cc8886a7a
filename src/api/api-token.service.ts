import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../shared/database.js';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import * as repo from './api-token.repository.js';
import type { ApiTokenRow } from './api-token.table.js';

/** A token as the settings page lists it: never the token itself. */
export interface ApiTokenSummary {
  id: number;
  name: string;
  hint: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** The prefix makes a leaked token recognisable (secret scanners, logs) as this app's. */
export const TOKEN_PREFIX = 'hr_';
/** hr_ and 32 random bytes in base64url (43 characters): anything else is not a token, without a lookup. */
const TOKEN_SHAPE = /^hr_[A-Za-z0-9_-]{43}$/;
/** A user with more than this many live tokens has lost track of them; revoking one makes room. */
export const MAX_TOKENS_PER_USER = 20;
/** last_used_at is written at most this often per token, not on every call. */
const TOUCH_EVERY_MS = 60_000;

/** The SHA-256 of a token, as stored. Tokens are 256 random bits: a slow password hash would add nothing. */
export const tokenSha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

function rowToSummary(row: ApiTokenRow): ApiTokenSummary {
  return {
    id: row.id,
    name: row.name,
    hint: row.hint,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at),
  };
}

export async function listApiTokens(db: Db, userId: number): Promise<ApiTokenSummary[]> {
  return (await repo.listActiveApiTokens(db, userId)).map(rowToSummary);
}

/** Makes a token for the user and returns it: the only time it exists in clear. */
export async function createApiToken(db: Db, userId: number, name: string, now = Date.now()): Promise<{ token: string; summary: ApiTokenSummary }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = { user_id: userId, name, token_sha256: tokenSha256(token), hint: token.slice(-4), created_at: now, last_used_at: null, revoked_at: null };
  const id = await db.transaction().execute(async (trx) => {
    if ((await repo.countActiveApiTokens(trx, userId)) >= MAX_TOKENS_PER_USER) {
      const message = `You have ${MAX_TOKENS_PER_USER} tokens already. Revoke one you no longer use first.`;
      throw new ValidationError(message, { tokenName: message });
    }
    return repo.insertApiToken(trx, row);
  });
  return { token, summary: rowToSummary({ id, ...row }) };
}

/** Revokes one of the user's tokens; anyone else's (or a revoked one) is the same 404 as none. */
export async function revokeApiToken(db: Db, userId: number, tokenId: number, now = Date.now()): Promise<void> {
  if (!(await repo.revokeApiToken(db, tokenId, userId, now))) throw new NotFoundError('Token not found.');
}

/**
 * The user a bearer token stands for, or null when it is not a live token of an enabled account.
 * Notes its use (at most once a minute) for the settings page's "last used".
 */
export async function authenticateToken(db: Db, token: string, now = Date.now()): Promise<{ userId: number; tokenId: number } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const holder = await repo.findTokenHolder(db, tokenSha256(token));
  if (!holder) return null;
  if (holder.lastUsedAt === null || now - holder.lastUsedAt >= TOUCH_EVERY_MS) await repo.touchApiToken(db, holder.tokenId, now);
  return { userId: holder.userId, tokenId: holder.tokenId };
}
