import type { Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  // A row's URL names it by its line (/reports/:id/items/:line), not by its global id, which counted
  // every user's uploads. Lines were already one row each (the import keeps the first line of a
  // repeated value, the API's lookups report appends after its last line); now the database says so,
  // and the index finds a row by its line.
  await db.schema.createIndex('report_items_report_line').unique().on('report_items').columns(['report_id', 'line']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('report_items_report_line').ifExists().execute();
}
