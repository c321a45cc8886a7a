import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { ReportItemRow } from './report.table.js';


// Queries behind "Refresh" and "Force refresh". The caller has already checked the report is the user's.

/**
 * Rows a refresh takes: answers fetched at or before `staleAt` (older than the TTL), and failures,
 * which have no answer at all. Invalid lines are never looked up; pending rows already wait.
 */
const isStale = (staleAt: number) => sql`(i.status = 'error' OR (i.status IN ('found', 'not_found') AND i.looked_up_at <= ${staleAt}))`;

export interface StaleCount {
  rows: number;
  /** Rows the cache can answer at once: someone fetched their file again inside the TTL. */
  fromCache: number;
  /** Files to ask VirusTotal about; aliases of one file still known to the cache count once. */
  calls: number;
}

export async function countStaleRows(db: Executor, reportId: string, staleAt: number): Promise<StaleCount> {
  const result = await sql<{ rows: number; fromCache: number; calls: number }>`
    SELECT count(*) AS "rows",
      count(e.key) AS "fromCache",
      count(DISTINCT CASE WHEN e.key IS NULL THEN coalesce(a.entry_key, i.hash) END) AS calls
    FROM report_items i
    LEFT JOIN cache_aliases a ON a.hash = i.hash
    LEFT JOIN cache_entries e ON e.key = a.entry_key AND e.fetched_at > ${staleAt}
    WHERE i.report_id = ${reportId} AND ${isStale(staleAt)}
  `.execute(db);
  const row = result.rows[0];
  return { rows: Number(row?.rows ?? 0), fromCache: Number(row?.fromCache ?? 0), calls: Number(row?.calls ?? 0) };
}

/**
 * Puts stale rows back to pending. The previous answer (detections, fetch time, whole answer) stays
 * on the row until the new one overwrites it; only a failure's message goes, as it answers nothing.
 */
export async function requeueStaleRows(db: Executor, reportId: string, staleAt: number): Promise<number> {
  const result = await sql`
    UPDATE report_items AS i SET status = 'pending', verdict = 'pending', error = NULL, refresh_after = NULL
    WHERE i.report_id = ${reportId} AND ${isStale(staleAt)}
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Puts one answered (or failed) row back to pending, taking only an answer fetched at or after
 * `requestedAt`. Returns the row when it changed; a pending or invalid row is left as it is.
 */
export async function requeueItemForced(db: Executor, reportId: string, line: number, requestedAt: number): Promise<Pick<ReportItemRow, 'hash' | 'hash_type'> | undefined> {
  return db
    .updateTable('report_items')
    .set({ status: 'pending', verdict: 'pending', error: null, refresh_after: requestedAt })
    .where('report_id', '=', reportId)
    .where('line', '=', line)
    .where('status', 'in', ['found', 'not_found', 'error'])
    .returning(['hash', 'hash_type'])
    .executeTakeFirst();
}
