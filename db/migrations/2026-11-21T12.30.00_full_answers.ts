import { sql, type Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // VirusTotal's whole answer for a file, gzipped, one row per fetch. The cache entry and every report
  // row answered by that fetch point at it, so a report keeps every engine's verdict after the cache
  // entry is evicted; a row nobody points at any more is deleted by housekeeping.
  await db.schema
    .createTable('vt_answers')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('fetched_at', t.ms, (c) => c.notNull())
    .addColumn('body_gzip', t.blob, (c) => c.notNull())
    .execute();
  await db.schema.alterTable('cache_entries').addColumn('answer_id', t.bigId).execute();
  await db.schema.alterTable('report_items').addColumn('answer_id', t.bigId).execute();
  await sql`CREATE INDEX report_items_answer ON report_items(answer_id) WHERE answer_id IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS report_items_answer`.execute(db);
  await db.schema.alterTable('report_items').dropColumn('answer_id').execute();
  await db.schema.alterTable('cache_entries').dropColumn('answer_id').execute();
  await db.schema.dropTable('vt_answers').ifExists().execute();
}
