import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

// Admin becomes a role given on purpose (`npm run admin -- grant EMAIL`), no longer "the oldest
// account" or "whoever registered a listed address first". Nobody is made admin here: an existing
// install runs the command once.
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema.alterTable('users').addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // When the owner proved the address is theirs by a link sent to it; null for accounts made
  // before (or without) email, which can confirm from Settings.
  await db.schema.alterTable('users').addColumn('email_confirmed_at', t.ms).execute();
  // One pending link per address. For a registration the account does not exist yet: it is made
  // from this row (and its password hash) when the link is used. For an existing account
  // confirming its address, password_hash is null. Only the token's SHA-256 is kept.
  await db.schema
    .createTable('email_confirmations')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('token_sha256', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('expires_at', t.ms, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('email_confirmations').execute();
  await db.schema.alterTable('users').dropColumn('email_confirmed_at').execute();
  await db.schema.alterTable('users').dropColumn('is_admin').execute();
}
