import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { QueryRunner } from '../shared/read-pool.js';

// The report rows a re-check sends back to the queue, and what they were before it. The caller has
// already checked the report is the user's.

/** A report's rows with the cache entry each leads to, if any (a value has one alias row, so at most one entry). */
const ROWS_AND_ENTRIES = sql`report_items i LEFT JOIN cache_aliases a ON a.hash = i.hash LEFT JOIN cache_entries e ON e.key = a.entry_key`;

/** An answered row worth asking about again: older than the cache window, failed, or the cache has a newer answer (a feed, another report). */
const isCandidate = (staleAt: number) =>
  sql`i.status IN ('found', 'not_found', 'error') AND (i.status = 'error' OR i.looked_up_at <= ${staleAt} OR e.fetched_at > i.looked_up_at)`;

/** The cache answers the row without a call: an entry fetched inside the cache window. */
const isFresh = (staleAt: number) => sql`coalesce(e.fetched_at, 0) > ${staleAt}`;

export interface RecheckRows {
  /** Rows to send back to the queue: every candidate the cache answers, and those needing a call within the budget. */
  ids: number[];
  /** Values that cost a lookup each (at most the budget). */
  calls: number;
  /** Values were left for a later re-check because the budget ran out. */
  deferred: boolean;
}

/**
 * The rows a re-check takes: every candidate the cache answers, and those needing a call for at most
 * `budget` values, the longest unchecked first (so a budget smaller than the report still comes round
 * to every row). These reads scan the whole report, so they run on `reads` (worker threads on SQLite).
 */
export async function findRecheckRows(db: Executor, reads: QueryRunner, reportId: string, staleAt: number, budget: number): Promise<RecheckRows> {
  // A report holds each value once (report_items_report_hash), so rows are values. One more than the
  // budget tells whether any value is left for later, without reading them all.
  const needCall = sql<{ id: number }>`
    SELECT i.id FROM ${ROWS_AND_ENTRIES}
    WHERE i.report_id = ${reportId} AND ${isCandidate(staleAt)} AND NOT ${isFresh(staleAt)}
    ORDER BY coalesce(i.looked_up_at, 0), i.id
    LIMIT ${budget + 1}
  `.compile(db);
  const fresh = sql<{ id: number }>`
    SELECT i.id FROM ${ROWS_AND_ENTRIES}
    WHERE i.report_id = ${reportId} AND ${isCandidate(staleAt)} AND ${isFresh(staleAt)}
  `.compile(db);
  const [calls, answered] = await Promise.all([reads.all(needCall), reads.all(fresh)]);
  const chosen = calls.slice(0, budget);
  return { ids: [...answered, ...chosen].map((r) => Number(r.id)), calls: chosen.length, deferred: calls.length > chosen.length };
}

/** Ids per statement: PK lookups, so each statement is short whatever the report's size. */
const SLICE = 1000;

/**
 * Snapshots these rows into watch_baseline and puts them back to pending, by primary key. A row that
 * became pending since it was read (a refresh) is left alone. Run in one transaction with the
 * queueing, so a crash leaves either all of it or none. Returns the rows taken.
 */
export async function snapshotAndRequeue(db: Executor, reportId: string, ids: readonly number[]): Promise<number> {
  let taken = 0;
  for (let i = 0; i < ids.length; i += SLICE) {
    const slice = ids.slice(i, i + SLICE);
    await sql`
      INSERT INTO watch_baseline (report_id, item_id, verdict, malicious, fortinet)
      SELECT report_id, id, verdict, malicious, fortinet FROM report_items
      WHERE report_id = ${reportId} AND status IN ('found', 'not_found', 'error') AND id IN (${sql.join(slice)})
    `.execute(db);
    // The previous answer stays on the row (detections, names, whole answer) until the new one lands.
    const result = await sql`
      UPDATE report_items SET status = 'pending', verdict = 'pending', error = NULL, refresh_after = NULL
      WHERE report_id = ${reportId} AND status IN ('found', 'not_found', 'error') AND id IN (${sql.join(slice)})
    `.execute(db);
    taken += Number(result.numAffectedRows ?? 0);
  }
  return taken;
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
