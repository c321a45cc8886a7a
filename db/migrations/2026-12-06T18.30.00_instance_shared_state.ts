import type { Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.
// Timestamps are milliseconds since the Unix epoch (UTC), bigint so they fit on PostgreSQL too.

export async function up(db: Kysely<any>): Promise<void> {
  // Per-user sliding windows (API requests, uploads): the times let through in the last window, as
  // a JSON array. One row per limit and user, updated under that row's lock, so several app
  // instances count one window and two requests can never both take its last place.
  await db.schema
    .createTable('user_rate_windows')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('hits', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_rate_windows_pk', ['name', 'user_id'])
    .execute();

  // A download in flight holds a slot until it ends. The instance serving it renews the expiry while
  // it runs; an instance that dies renews nothing, so its slots free themselves when they expire.
  await db.schema
    .createTable('download_slots')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('download_slots_user').on('download_slots').columns(['user_id', 'expires_at']).execute();

  // What the lookup dispatcher knows that must survive a failover to another instance: each key's
  // pause and strikes ("key:<fingerprint>"), the circuit breaker ("breaker") and the fair-share
  // turns ("fair_share"), as JSON. Written when they change, read when a dispatcher starts.
  await db.schema
    .createTable('dispatcher_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dispatcher_state').ifExists().execute();
  await db.schema.dropTable('download_slots').ifExists().execute();
  await db.schema.dropTable('user_rate_windows').ifExists().execute();
}
