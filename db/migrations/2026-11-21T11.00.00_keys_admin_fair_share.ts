import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // An admin can switch an account off: it can no longer sign in and its reports stop spending quota.
  await db.schema.alterTable('users').addColumn('disabled_at', t.ms).execute();

  // A user's own VirusTotal key, encrypted with the app's secret key; only a hint is kept in clear.
  await db.schema
    .createTable('user_api_keys')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('key_encrypted', 'text', (c) => c.notNull())
    // The last four characters, to recognise the key on the settings page.
    .addColumn('key_hint', 'text', (c) => c.notNull())
    // A one-way fingerprint: the rate limiter's id for the key, the same whoever holds it.
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('per_minute', 'integer', (c) => c.notNull())
    .addColumn('per_day', 'integer', (c) => c.notNull())
    .addColumn('per_month', 'integer')
    // 1: when this key has no free slot, the shared keys may serve the user; 0: this key only.
    .addColumn('use_shared', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('updated_at', t.ms, (c) => c.notNull())
    .execute();

  // A report's place in the queue is now worked out from fair share, not from the newest job id.
  await db.schema.alterTable('reports').dropColumn('last_job_id').execute();

  // The dashboard's minute-by-minute chart reads every key's calls by time.
  await db.schema.createIndex('vt_calls_at').on('vt_calls').column('at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('vt_calls_at').ifExists().execute();
  await db.schema.alterTable('reports').addColumn('last_job_id', 'integer').execute();
  await db.schema.dropTable('user_api_keys').ifExists().execute();
  await db.schema.alterTable('users').dropColumn('disabled_at').execute();
}
