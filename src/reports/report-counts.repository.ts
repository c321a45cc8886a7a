import type { Executor } from '../shared/database.js';
import type { Verdict } from './report.table.js';

// A report's rows counted by verdict, as the database keeps them (report_counts, filled by triggers
// in the same transaction as the rows): one row a report, read by its key, never a count of rows.

export type VerdictCounts = Partial<Record<Verdict, number>>;

export const VERDICT_COLUMNS = ['pending', 'malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'invalid', 'error'] as const satisfies readonly Verdict[];

/** Rows per verdict for each report; `revision` changes whenever any of them does. */
export async function readVerdictCounts(db: Executor, reportIds: string[]): Promise<Map<string, VerdictCounts & { revision?: number }>> {
  const result = new Map<string, VerdictCounts & { revision?: number }>(reportIds.map((id) => [id, {}]));
  if (reportIds.length === 0) return result;
  const rows = await db.selectFrom('report_counts').select(['report_id', 'revision', ...VERDICT_COLUMNS]).where('report_id', 'in', reportIds).execute();
  for (const row of rows) {
    const counts: VerdictCounts & { revision?: number } = { revision: Number(row.revision) };
    for (const verdict of VERDICT_COLUMNS) if (Number(row[verdict]) > 0) counts[verdict] = Number(row[verdict]);
    result.set(row.report_id, counts);
  }
  return result;
}

/** Rows of the report with one of `verdicts` (every row when none is given). */
export async function countRowsWithVerdicts(db: Executor, reportId: string, verdicts: readonly Verdict[]): Promise<number> {
  const row = await db
    .selectFrom('report_counts')
    .select(verdicts.length === 0 ? ['total'] : verdicts)
    .where('report_id', '=', reportId)
    .executeTakeFirst();
  if (!row) return 0;
  return Object.values(row).reduce((sum: number, n) => sum + Number(n), 0);
}

export async function hasPendingRows(db: Executor, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('report_counts').select('pending').where('report_id', '=', reportId).executeTakeFirst();
  return Number(row?.pending ?? 0) > 0;
}

/**
 * Rows waiting for an answer in each active report of an enabled user: the estimate's view of the
 * queue, from the kept counts (it was a grouped read of every pending row of every report).
 */
export async function pendingOfActiveReports(db: Executor): Promise<Array<{ reportId: string; userId: number; pending: number }>> {
  const rows = await db
    .selectFrom('reports as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .innerJoin('report_counts as c', 'c.report_id', 'r.id')
    .select(['r.id as reportId', 'r.user_id as userId', 'c.pending'])
    .where('r.state', '=', 'active')
    .where('u.disabled_at', 'is', null)
    .where('c.pending', '>', 0)
    .execute();
  return rows.map((r) => ({ reportId: r.reportId, userId: r.userId, pending: Number(r.pending) }));
}
