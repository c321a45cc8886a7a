import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // One row per enabled feed: where it reads (the minute and the lines of it already committed, moved
  // in the transaction that stores those lines), whether it is paused, and what the admin page shows.
  await db.schema
    .createTable('feed_state')
    .addColumn('feed', 'text', (c) => c.primaryKey())
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missing_in_row', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('paused_reason', 'text')
    .addColumn('paused_until', t.ms)
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', t.ms)
    .addColumn('day', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('objects_day', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_batch_objects', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_batch_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', t.ms, (c) => c.notNull().defaultTo(0))
    .execute();
  // A batch that could not be read (garbled bzip2 or JSON): tried again later from the line it reached.
  await db.schema
    .createTable('feed_failed_batches')
    .addColumn('feed', 'text', (c) => c.notNull())
    .addColumn('minute', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('failed_at', t.ms, (c) => c.notNull())
    .addColumn('retry_at', t.ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_failed_batches_pk', ['feed', 'minute'])
    .execute();
  // URL objects from the URL feed, newest per id, kept for URL lookups to come.
  await db.schema
    .createTable('feed_urls')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text')
    .addColumn('last_analysis_date', 'text')
    .addColumn('fetched_at', t.ms, (c) => c.notNull())
    .addColumn('body_gzip', t.blob, (c) => c.notNull())
    .execute();
  // Where an answer came from: 1 when a feed brought it; a report row copies it with the answer.
  await db.schema.alterTable('cache_entries').addColumn('from_feed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('report_items').addColumn('from_feed', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('report_items').dropColumn('from_feed').execute();
  await db.schema.alterTable('cache_entries').dropColumn('from_feed').execute();
  await db.schema.dropTable('feed_urls').ifExists().execute();
  await db.schema.dropTable('feed_failed_batches').ifExists().execute();
  await db.schema.dropTable('feed_state').ifExists().execute();
}
