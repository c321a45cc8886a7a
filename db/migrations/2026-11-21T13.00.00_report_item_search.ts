import { sql, type Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  // The file's name as VirusTotal knows it, copied onto the row when the row is answered, so an
  // analyst can search a report by name after the shared cache entry has been evicted.
  await db.schema.alterTable('report_items').addColumn('meaningful_name', 'text').execute();
  // Rows answered before this column existed take the name from the cache while it still has them.
  await sql`
    UPDATE report_items SET meaningful_name = (SELECT e.meaningful_name FROM cache_entries e WHERE e.key = report_items.sha256)
    WHERE sha256 IS NOT NULL
  `.execute(db);
  // A report's rows in id (= line) order without sorting: exports read them 1,000 at a time after the
  // last id seen, and with only (report_id, verdict) every batch sorted the whole rest of the report.
  await db.schema.createIndex('report_items_report_id').on('report_items').columns(['report_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('report_items_report_id').ifExists().execute();
  await db.schema.alterTable('report_items').dropColumn('meaningful_name').execute();
}
