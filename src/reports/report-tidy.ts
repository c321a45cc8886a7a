import { sql } from 'kysely';
import { databaseDialect, type Db } from '../shared/database.js';

// Right after a big import on PostgreSQL its report's pages were 1–5 s (issue 14, docs/figures.md):
// the statistics an autovacuum took while the import was still writing said the report had no rows,
// so the planner walked all of the report's entries of an index for a page's few files; and until a
// vacuum sets the visibility map, every index entry a jump to page N walks costs a visit to the heap
// (and dirties the page to set its hint bits). Autovacuum gets there within minutes; this gets there
// in seconds.

/** Rows an import must have written for PostgreSQL's statistics and visibility map to be refreshed at once. */
export const TIDY_AFTER_ROWS = 20_000;

/**
 * On PostgreSQL, brings report_items' statistics up to date (ANALYZE: a sample, about a second at a
 * million rows) and resolves, so the import's redirect leads to a page planned on the truth; then
 * brings its visibility map up to date (VACUUM) in the background. Neither takes a lock that reads or
 * writes wait for; each runs outside a transaction on a connection of the pool. Never rejects: a
 * failure (the pool closing at shutdown) leaves the work to autovacuum, which does the same later.
 */
export async function tidyAfterImport(db: Db): Promise<void> {
  if (databaseDialect(db) !== 'postgres') return;
  try {
    await sql`ANALYZE report_items`.execute(db);
  } catch {
    return; // Autovacuum will.
  }
  void sql`VACUUM report_items`.execute(db).catch(() => undefined);
}
