import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // A forced refresh asks VirusTotal again even when the cache holds an answer inside the TTL. The job
  // keeps one lookup per hash (single flight) and remembers the latest such request: the cache may
  // answer it only with an entry fetched at or after this time. 0: any entry inside the TTL will do.
  await db.schema.alterTable('lookup_jobs').addColumn('fresh_after', t.ms, (c) => c.notNull().defaultTo(0)).execute();
  // The same limit per row, so that an answer copied into every row waiting for a file (another alias
  // came back, an upload's cache hits) skips a row whose owner asked for something newer. Null: the TTL
  // alone decides. Cleared when the row gets its answer.
  await db.schema.alterTable('report_items').addColumn('refresh_after', t.ms).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('report_items').dropColumn('refresh_after').execute();
  await db.schema.alterTable('lookup_jobs').dropColumn('fresh_after').execute();
}
