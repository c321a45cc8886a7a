import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { LookupType } from '../lookups/lookup.types.js';
import type { ReportItemRow, ReportRow } from '../reports/report.table.js';


// Queries behind GET /api/v1/lookup and POST /api/v1/refresh: the user's "API lookups" report, its
// rows, and the cache entry that answers a value.

/** The user's one report of kind 'lookups' (a unique index keeps it one). */
export async function findLookupsReport(db: Executor, userId: number): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('user_id', '=', userId).where('kind', '=', 'lookups').executeTakeFirst();
}

/** The row of `value` in the user's lookups report, with the report's id. */
export async function findLookupRow(db: Executor, userId: number, value: string): Promise<ReportItemRow | undefined> {
  return db
    .selectFrom('report_items as i')
    .innerJoin('reports as r', 'r.id', 'i.report_id')
    .selectAll('i')
    .where('r.user_id', '=', userId)
    .where('r.kind', '=', 'lookups')
    .where('i.hash', '=', value)
    .executeTakeFirst();
}

/** Appends a pending row after the report's last line. */
export async function insertLookupRow(
  db: Executor,
  reportId: string,
  row: { input: string; value: string; type: LookupType; refreshAfter: number | null },
): Promise<void> {
  await sql`
    INSERT INTO report_items (report_id, line, input, hash, hash_type, status, verdict, refresh_after)
    SELECT CAST(${reportId} AS text), coalesce(max(line), 0) + 1, CAST(${row.input} AS text), CAST(${row.value} AS text), CAST(${row.type} AS text), 'pending', 'pending', CAST(${row.refreshAfter} AS bigint)
    FROM report_items WHERE report_id = ${reportId}
  `.execute(db);
}

/**
 * Puts a row back to pending. With `refreshAfter` (a forced refresh) only an answer fetched at or after
 * it may fill the row, and a later request's limit wins; without, any answer inside the TTL will do.
 * The previous answer stays on the row until the new one overwrites it.
 */
export async function requeueLookupRow(db: Executor, itemId: number, refreshAfter: number | null): Promise<void> {
  await db
    .updateTable('report_items')
    .set({
      status: 'pending',
      verdict: 'pending',
      error: null,
      refresh_after: refreshAfter === null ? null : sql<number>`CASE WHEN coalesce(refresh_after, 0) > ${refreshAfter} THEN refresh_after ELSE ${refreshAfter} END`,
    })
    .where('id', '=', itemId)
    .execute();
}
