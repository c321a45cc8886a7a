import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Disabling an account ends every session signed in before it, for good: an instance that still holds
  // a copy of the session (sessions are cached for a few seconds) sees this on the user row it reads
  // on every request, and enabling the account again does not bring old sessions back.
  await db.schema.alterTable('users').addColumn('sessions_revoked_at', t.ms).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('sessions_revoked_at').execute();
}
