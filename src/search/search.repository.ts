import type { Executor } from '../shared/database.js';
import type { LookupType } from '../lookups/lookup.types.js';
import type { ReportItemRow } from '../reports/report.table.js';

// One value across one analyst's reports. Each query starts from the analyst's own reports (the
// (user_id, created_at) index) and seeks each report's rows by the value: (report_id, hash) for the
// value as uploaded, (report_id, md5|sha1|sha256) for a file answered under another of its hashes.
// Nobody else's rows are read.

/** A row of one of the user's reports, with its report's name and creation time. */
export type SearchRow = ReportItemRow & { report_name: string; report_created_at: number };

export type ValueColumn = 'hash' | 'md5' | 'sha1' | 'sha256';

/** Where a value of this type may be stored: as uploaded, and (a file hash) in the answer's column of its kind. */
const COLUMNS_OF: Record<LookupType, ValueColumn[]> = {
  md5: ['hash', 'md5'],
  sha1: ['hash', 'sha1'],
  sha256: ['hash', 'sha256'],
  domain: ['hash'],
  ip: ['hash'],
};

/**
 * The user's rows naming `value`, newest report first, in line order; at most `limit`. One query per
 * column rather than an OR: with an OR, SQLite may read every row of each report by its line index.
 */
export async function findValueInUserReports(db: Executor, userId: number, value: { value: string; type: LookupType }, limit: number): Promise<SearchRow[]> {
  const found = await Promise.all(COLUMNS_OF[value.type].map((column) => findByColumn(db, userId, column, value.value, limit)));
  const byId = new Map(found.flat().map((row) => [row.id, row]));
  return [...byId.values()]
    .sort((a, b) => b.report_created_at - a.report_created_at || a.report_id.localeCompare(b.report_id) || a.line - b.line)
    .slice(0, limit);
}

async function findByColumn(db: Executor, userId: number, column: ValueColumn, value: string, limit: number): Promise<SearchRow[]> {
  return rowsNamingValue(db, userId, column, value, limit).execute();
}

/** The query for one column, unexecuted: tests read its plan. */
export function rowsNamingValue(db: Executor, userId: number, column: ValueColumn, value: string, limit: number) {
  return db
    .selectFrom('reports')
    .innerJoin('report_items', 'report_items.report_id', 'reports.id')
    .selectAll('report_items')
    .select(['reports.name as report_name', 'reports.created_at as report_created_at'])
    .where('reports.user_id', '=', userId)
    .where('reports.state', '!=', 'importing')
    .where(`report_items.${column}`, '=', value)
    .orderBy('reports.created_at', 'desc')
    .orderBy('reports.id')
    .orderBy('report_items.line')
    .limit(limit);
}
