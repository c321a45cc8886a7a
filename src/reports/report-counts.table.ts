import type { Verdict } from './report.table.js';

/**
 * A report's rows counted by verdict, kept by database triggers in the same transaction as the rows
 * (migration 2026-12-06T20.10.00): read instead of grouping the report's rows.
 */
export type ReportCountsTable = { report_id: string; total: number; revision: number } & Record<Verdict, number>;
