import { sql, type Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema as it was on 2026-11-21. Never import app code here;
// change the schema with a new migration instead.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('users')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('sess', 'text', (c) => c.notNull())
    .addColumn('expires', t.ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires').execute();

  await db.schema
    .createTable('app_settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // importing: rows are still being written and the report is invisible; active; completed.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('completed_at', t.ms)
    // The newest lookup job this report waits for; jobs before it are its place in the queue.
    .addColumn('last_job_id', 'integer')
    .addColumn('notify_email', 'integer', (c) => c.notNull().defaultTo(0))
    // null: no email wanted; waiting: report not done; pending; sent; failed.
    .addColumn('email_status', 'text')
    .addColumn('email_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_next_at', t.ms)
    .addColumn('email_error', 'text')
    .execute();
  await db.schema.createIndex('reports_user_created').on('reports').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('report_items')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    .addColumn('hash', 'text')
    .addColumn('hash_type', 'text')
    // pending | found | not_found | invalid | error
    .addColumn('status', 'text', (c) => c.notNull())
    // pending | malicious | suspicious | clean | not_found | invalid | error
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('sha1', 'text')
    .addColumn('md5', 'text')
    .addColumn('malicious', 'integer')
    .addColumn('suspicious', 'integer')
    .addColumn('undetected', 'integer')
    .addColumn('harmless', 'integer')
    .addColumn('engines', 'integer')
    .addColumn('fortinet', 'text')
    .addColumn('last_analysis_date', 'text')
    .addColumn('looked_up_at', t.ms)
    .addColumn('from_cache', 'integer')
    .addColumn('error', 'text')
    .execute();
  // One row per distinct hash in a report; invalid lines (hash null) each keep their own row.
  await sql`CREATE UNIQUE INDEX report_items_report_hash ON report_items(report_id, hash) WHERE hash IS NOT NULL`.execute(db);
  await db.schema.createIndex('report_items_report_verdict').on('report_items').columns(['report_id', 'verdict']).execute();
  await sql`CREATE INDEX report_items_pending_hash ON report_items(hash) WHERE status = 'pending'`.execute(db);

  // The shared VirusTotal cache: one entry per file (keyed by SHA-256), or per hash VirusTotal did not know.
  await db.schema
    .createTable('cache_entries')
    .addColumn('key', 'text', (c) => c.primaryKey())
    // malicious | suspicious | clean | not_found
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('sha256', 'text')
    .addColumn('sha1', 'text')
    .addColumn('md5', 'text')
    .addColumn('malicious', 'integer')
    .addColumn('suspicious', 'integer')
    .addColumn('undetected', 'integer')
    .addColumn('harmless', 'integer')
    .addColumn('engines', 'integer')
    .addColumn('fortinet', 'text')
    .addColumn('last_analysis_date', 'text')
    .addColumn('meaningful_name', 'text')
    .addColumn('type_description', 'text')
    .addColumn('size', t.ms)
    .addColumn('fetched_at', t.ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cache_entries_fetched').on('cache_entries').column('fetched_at').execute();
  // Every hash (MD5, SHA-1, SHA-256) that leads to an entry.
  await db.schema
    .createTable('cache_aliases')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('entry_key', 'text', (c) => c.notNull().references('cache_entries.key').onDelete('cascade'))
    .execute();
  await db.schema.createIndex('cache_aliases_entry').on('cache_aliases').column('entry_key').execute();

  // One job per distinct hash waiting for VirusTotal, however many rows and reports want it.
  await db.schema
    .createTable('lookup_jobs')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('hash_type', 'text', (c) => c.notNull())
    // queued | leased
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', t.ms, (c) => c.notNull().defaultTo(0))
    .addColumn('leased_until', t.ms)
    .addColumn('last_error', 'text')
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .execute();

  // Every request sent to VirusTotal, per key: the rate limiter's memory across restarts.
  await db.schema
    .createTable('vt_calls')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('at', t.ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vt_calls_key_at').on('vt_calls').columns(['key_id', 'at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['vt_calls', 'lookup_jobs', 'cache_aliases', 'cache_entries', 'report_items', 'reports', 'app_settings', 'sessions', 'users']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
