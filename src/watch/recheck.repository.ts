import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';

// The report rows a re-check sends back to the queue, and what they were before it. The caller has
// already checked the report is the user's.

/** An answered row worth asking about again: older than the cache window, failed, or the cache has a newer answer (a feed, another report). */
const isCandidate = (staleAt: number) => sql`i.status IN ('found', 'not_found', 'error') AND (
  i.status = 'error' OR i.looked_up_at <= ${staleAt}
  OR EXISTS (SELECT 1 FROM cache_aliases a JOIN cache_entries e ON e.key = a.entry_key WHERE a.hash = i.hash AND e.fetched_at > i.looked_up_at))`;

/** The cache answers the row without a call: an entry fetched inside the cache window. */
const isFresh = (staleAt: number) => sql`EXISTS (SELECT 1 FROM cache_aliases a JOIN cache_entries e ON e.key = a.entry_key WHERE a.hash = i.hash AND e.fetched_at > ${staleAt})`;

export interface Requeued {
  /** Rows sent back to the queue (the cache answers some at once). */
  rows: number;
  /** Values that cost a lookup each (at most the budget). */
  calls: number;
  /** Values left for a later re-check because the budget ran out. */
  deferred: number;
}

/**
 * Snapshots the rows a re-check takes into watch_baseline and puts them back to pending: every
 * candidate the cache answers, and those needing a call for at most `budget` values, the longest unchecked first
 * (so a budget smaller than the report still comes round to every row).
 * Run in one transaction with the queueing, so a crash leaves either all of it or none.
 */
export async function snapshotAndRequeue(db: Executor, reportId: string, staleAt: number, budget: number): Promise<Requeued> {
  const needCall = await sql<{ hash: string }>`
    SELECT i.hash FROM report_items i
    WHERE i.report_id = ${reportId} AND ${isCandidate(staleAt)} AND NOT ${isFresh(staleAt)}
    GROUP BY i.hash ORDER BY min(coalesce(i.looked_up_at, 0)), min(i.id)
  `.execute(db);
  const chosen = needCall.rows.slice(0, budget).map((r) => r.hash);
  const takes = chosen.length > 0 ? sql`(${isFresh(staleAt)} OR i.hash IN (${sql.join(chosen)}))` : isFresh(staleAt);
  await sql`
    INSERT INTO watch_baseline (report_id, item_id, verdict, malicious, fortinet)
    SELECT i.report_id, i.id, i.verdict, i.malicious, i.fortinet FROM report_items i
    WHERE i.report_id = ${reportId} AND ${isCandidate(staleAt)} AND ${takes}
  `.execute(db);
  // The previous answer stays on the row (detections, names, whole answer) until the new one lands.
  const result = await sql`
    UPDATE report_items SET status = 'pending', verdict = 'pending', error = NULL, refresh_after = NULL
    WHERE id IN (SELECT item_id FROM watch_baseline WHERE report_id = ${reportId})
  `.execute(db);
  return { rows: Number(result.numAffectedRows ?? 0), calls: chosen.length, deferred: needCall.rows.length - chosen.length };
}

/** A row whose answer differs from its snapshot, before and after. */
export interface DiffRow {
  line: number;
  input: string;
  beforeVerdict: string;
  afterVerdict: string;
  beforeMalicious: number | null;
  afterMalicious: number | null;
  beforeFortinet: string | null;
  afterFortinet: string | null;
}

export async function listDifferences(db: Executor, reportId: string): Promise<DiffRow[]> {
  const rows = await sql<DiffRow>`
    SELECT i.line, i.input, b.verdict AS "beforeVerdict", i.verdict AS "afterVerdict",
      b.malicious AS "beforeMalicious", i.malicious AS "afterMalicious", b.fortinet AS "beforeFortinet", i.fortinet AS "afterFortinet"
    FROM watch_baseline b JOIN report_items i ON i.id = b.item_id
    WHERE b.report_id = ${reportId}
      AND (b.verdict <> i.verdict OR coalesce(b.malicious, -1) <> coalesce(i.malicious, -1) OR coalesce(b.fortinet, '') <> coalesce(i.fortinet, ''))
    ORDER BY i.line
  `.execute(db);
  return rows.rows.map((r) => ({ ...r, line: Number(r.line), beforeMalicious: numberOrNull(r.beforeMalicious), afterMalicious: numberOrNull(r.afterMalicious) }));
}

/**
 * Watching stopped mid-check: rows still waiting take back the verdict they had, so the report is
 * whole again and nothing is looked up for a watch that is gone (a job nobody waits for is never sent).
 */
export async function restoreWaitingRows(db: Executor, reportId: string): Promise<void> {
  await sql`
    UPDATE report_items SET verdict = b.verdict,
      status = CASE b.verdict WHEN 'not_found' THEN 'not_found' WHEN 'error' THEN 'error' ELSE 'found' END,
      error = CASE b.verdict WHEN 'error' THEN 'The re-check was stopped before this row was looked up again.' ELSE NULL END
    FROM watch_baseline b
    WHERE b.report_id = ${reportId} AND b.item_id = report_items.id AND report_items.status = 'pending'
  `.execute(db);
}

export async function deleteBaseline(db: Executor, reportId: string): Promise<void> {
  await db.deleteFrom('watch_baseline').where('report_id', '=', reportId).execute();
}

const numberOrNull = (v: unknown) => (v == null ? null : Number(v));
