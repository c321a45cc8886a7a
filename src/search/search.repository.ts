import type { Executor } from '../shared/database.js';
import type { LookupType } from '../lookups/lookup.types.js';
import type { ReportItemRow } from '../reports/report.table.js';

// One value across one analyst's reports. Each query starts from the analyst's own reports (the
// (user_id, created_at) index) and seeks each report's rows by the value: (report_id, hash) for the
// value as uploaded, (report_id, sha256) for a file answered under another of its hashes. Nobody
// else's rows are read.

/** A row of one of the user's reports, with its report's name and creation time. */
export type SearchRow = ReportItemRow & { report_name: string; report_created_at: number };

/** The report-row columns a search seeks by, each through its own index. */
export type ValueColumn = 'hash' | 'sha256';

const FILE_HASHES: readonly LookupType[] = ['md5', 'sha1', 'sha256'];

/**
 * The user's rows naming `value`, newest report first, in line order; at most `limit`. A file hash
 * also finds the rows answered as that file under another hash, through the file's SHA-256. One query
 * per column rather than an OR: with an OR, SQLite may read every row of each report by its line index.
 */
export async function findValueInUserReports(db: Executor, userId: number, value: { value: string; type: LookupType }, limit: number): Promise<SearchRow[]> {
  const asUploaded = await rowsNamingValue(db, userId, 'hash', value.value, limit).execute();
  const files = FILE_HASHES.includes(value.type) ? await fileSha256s(db, value, asUploaded) : [];
  const asFile = await Promise.all(files.map((sha256) => rowsNamingValue(db, userId, 'sha256', sha256, limit).execute()));
  const byId = new Map([...asUploaded, ...asFile.flat()].map((row) => [row.id, row]));
  return [...byId.values()]
    .sort((a, b) => b.report_created_at - a.report_created_at || a.report_id.localeCompare(b.report_id) || a.line - b.line)
    .slice(0, limit);
}

/**
 * The SHA-256 of the file a hash names, as VirusTotal's answers tell it: the user's own rows uploaded
 * as that hash, and the shared cache's aliases (VirusTotal's facts, kept for everyone, not anyone's rows).
 */
async function fileSha256s(db: Executor, value: { value: string; type: LookupType }, asUploaded: ReportItemRow[]): Promise<string[]> {
  const known = new Set(asUploaded.flatMap((row) => (row.sha256 ? [row.sha256] : [])));
  if (value.type === 'sha256') known.add(value.value);
  const alias = await db.selectFrom('cache_aliases').select('entry_key').where('hash', '=', value.value).executeTakeFirst();
  if (alias && /^[0-9a-f]{64}$/.test(alias.entry_key)) known.add(alias.entry_key);
  return [...known];
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
