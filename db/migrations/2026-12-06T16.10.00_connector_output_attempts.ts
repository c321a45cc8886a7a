import type { Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

// How often a file's output failed to reach the output folder: after a few tries the connector gives
// up with a note instead of trying (and logging) every pass forever.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connector_files').addColumn('output_attempts', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('connector_files').dropColumn('output_attempts').execute();
}
