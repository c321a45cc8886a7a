import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Sign-in and registration attempts, counted per account and per address. In the database rather
  // than in memory, so the counts survive a restart and there is one count whatever serves the request.
  await db.schema
    .createTable('auth_throttle')
    // "login-account:<email>", "login-ip:<address>", "register-ip:<address>".
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    // The count covers one window from here; after it the count starts over.
    .addColumn('first_at', t.ms, (c) => c.notNull())
    // Growing delay: no attempt is looked at before this.
    .addColumn('next_allowed_at', t.ms, (c) => c.notNull().defaultTo(0))
    // Lockout after too many: no attempt is looked at before this.
    .addColumn('locked_until', t.ms, (c) => c.notNull().defaultTo(0))
    .execute();

  // A password change ends every session signed in before it, even one a request in flight writes back.
  await db.schema.alterTable('users').addColumn('password_changed_at', t.ms).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('password_changed_at').execute();
  await db.schema.dropTable('auth_throttle').ifExists().execute();
}
