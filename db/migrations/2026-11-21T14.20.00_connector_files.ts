import { sql, type Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.
// Timestamps are integer milliseconds since the Unix epoch (UTC).

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Every file a watched-folder connector took from its folder, so that the same content is never
  // imported twice and each report's files are written to the output folder once.
  await db.schema
    .createTable('connector_files')
    .addColumn('id', t.bigId, t.autoId)
    // The connector's name in connectors.json.
    .addColumn('connector', 'text', (c) => c.notNull())
    // SHA-256 of the file's whole content, lowercase hex.
    .addColumn('sha256', 'text', (c) => c.notNull())
    // The name the file had in the watched folder.
    .addColumn('file_name', 'text', (c) => c.notNull())
    // The report made from it; null for duplicates and errors, and once the owner deletes the report.
    .addColumn('report_id', 'text', (c) => c.references('reports.id').onDelete('set null'))
    // imported | duplicate | error
    .addColumn('status', 'text', (c) => c.notNull())
    // Why a file made no report (the error, or which earlier file it repeats).
    .addColumn('message', 'text')
    .addColumn('created_at', t.ms, (c) => c.notNull())
    // When the report's JSON and CSV (or the duplicate or error note) reached the output folder; null: not yet.
    .addColumn('output_written_at', t.ms)
    .execute();
  // One import per content and connector; duplicates and errors may repeat.
  await db.schema
    .createIndex('connector_files_imported_sha256')
    .on('connector_files')
    .columns(['connector', 'sha256'])
    .unique()
    .where(sql.ref('status'), '=', 'imported')
    .execute();
  // Each pass looks for outputs still to write.
  await db.schema
    .createIndex('connector_files_output_due')
    .on('connector_files')
    .column('connector')
    .where(sql.ref('output_written_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('connector_files').ifExists().execute();
}
