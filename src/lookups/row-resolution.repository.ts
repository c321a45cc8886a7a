import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import { VT_RESULT_COLUMNS } from './vt-result.columns.js';

// Where an answer from VirusTotal (or the cache) lands in the reports waiting for it.

export interface ResolveScope {
  /** Resolve only this report's rows (an upload's cache hits)… */
  reportId?: string;
  /** …and of those only lines `from` to `to` (a big upload's finalise, a range at a time)… */
  lines?: { from: number; to: number };
  /** …or only rows whose hash leads to this entry (a fresh answer). */
  entryKey?: string;
  freshAfter: number;
  fromCache: boolean;
  now: number;
}

/** `column = e.column` for each answer column: a report row takes its answer's facts as the cache entry has them. */
const COPY_ANSWER = sql.join(
  VT_RESULT_COLUMNS.map((column) =>
    column === 'meaningful_name'
      ? // A not-found entry that replaced a found one still holds the file's old name: it names nothing now.
        sql`meaningful_name = CASE e.verdict WHEN 'not_found' THEN NULL ELSE e.meaningful_name END`
      : sql`${sql.ref(column)} = ${sql.ref(`e.${column}`)}`,
  ),
);

/**
 * Copies fresh cache entries into pending report rows in one statement, whether the rows are an
 * upload's cache hits or every row, in any report, waiting for the answer that just came in.
 * Returns the ids of reports whose rows changed.
 */
export async function resolvePendingFromCache(db: Executor, scope: ResolveScope): Promise<string[]> {
  const rows = await sql<{ report_id: string }>`
    UPDATE report_items SET
      status = CASE e.verdict WHEN 'not_found' THEN 'not_found' ELSE 'found' END,
      ${COPY_ANSWER},
      looked_up_at = e.fetched_at, from_cache = ${scope.fromCache ? 1 : 0}, from_feed = e.from_feed, error = NULL,
      refresh_after = NULL
    FROM cache_aliases a JOIN cache_entries e ON e.key = a.entry_key
    WHERE report_items.status = 'pending'
      AND a.hash = report_items.hash
      AND e.fetched_at > ${scope.freshAfter}
      -- A forced refresh waits for an answer fetched after it was asked for, whoever's answer comes in.
      AND (report_items.refresh_after IS NULL OR e.fetched_at >= report_items.refresh_after)
      ${scope.reportId !== undefined ? sql`AND report_items.report_id = ${scope.reportId}` : sql``}
      ${scope.lines !== undefined ? sql`AND report_items.line BETWEEN ${scope.lines.from} AND ${scope.lines.to}` : sql``}
      ${scope.entryKey !== undefined ? sql`AND a.entry_key = ${scope.entryKey}` : sql``}
    ${scope.reportId !== undefined ? sql`` : sql`RETURNING report_items.report_id`}
  `.execute(db);
  // An upload's own hits touch only its report; skip returning a million ids.
  if (scope.reportId !== undefined) return [scope.reportId];
  return [...new Set(rows.rows.map((r) => r.report_id))];
}

/** Marks every pending row for `hash`, in any report, as an error; returns the reports touched. */
export async function failPendingRows(db: Executor, hash: string, reason: string, now: number): Promise<string[]> {
  const rows = await sql<{ report_id: string }>`
    UPDATE report_items SET status = 'error', verdict = 'error', error = ${reason}, looked_up_at = ${now}, from_cache = 0, from_feed = 0, refresh_after = NULL
    WHERE status = 'pending' AND hash = ${hash}
    RETURNING report_id
  `.execute(db);
  return [...new Set(rows.rows.map((r) => r.report_id))];
}
