import { checkpointAfterDeletion, type Db } from '../shared/database.js';
import type { QueryRunner } from '../shared/read-pool.js';
import { NotFoundError } from '../shared/errors.js';
import { readWholeAnswer } from '../lookups/lookup-queue.js';
import { summariseCounted, type ReportSummary } from './report-summary.js';
import * as repo from './report.repository.js';
import { countSameFileRows, findFirstLinesOfFiles } from './same-file.repository.js';
import type { ItemFilter, ListKind, ReportListFilter, ReportPageQuery } from './report.schemas.js';
import type { ReportItemRow } from './report.table.js';
import { iterateExportRows } from './export-rows.repository.js';
import type { ExportRow } from './files/export-row.js';

// Reports as their owner reaches them: list, get, delete, and completion once no row waits.

export async function listReports(db: Db, userId: number, filter: ReportListFilter, page: number, perPage: number) {
  const [rows, total] = await Promise.all([
    repo.listReportsForUser(db, userId, filter, perPage, (page - 1) * perPage),
    repo.countReportsForUser(db, userId, filter),
  ]);
  const ids = rows.map((r) => r.id);
  const counts = await repo.countVerdicts(db, ids);
  const sameFile = await sameFileRowsOf(db, counts, undefined, new Set(rows.filter((r) => r.state === 'active').map((r) => r.id)));
  return { reports: rows.map((r) => summariseCounted(r, counts, sameFile)), total };
}

/**
 * The report if `userId` owns it; anyone else gets the same 404 as for a report that never existed.
 * Its counts are one kept row; the rows naming one file are counted over an index (`reads` may run
 * that off the main thread), and only again once the counts have moved.
 */
export async function getReportForUser(db: Db, id: string, userId: number, reads?: QueryRunner, options: { sameFile?: boolean } = {}): Promise<ReportSummary> {
  const row = await repo.findReportForUser(db, id, userId);
  if (!row) throw new NotFoundError('Report not found.');
  const counts = await repo.countVerdicts(db, [row.id]);
  // Pages that never show it (a poll, a row's page) skip it: while answers arrive it would be counted on every poll.
  return summariseCounted(row, counts, options.sameFile === false ? new Map() : await sameFileRowsOf(db, counts, reads, new Set(row.state === 'active' ? [row.id] : [])));
}

/**
 * Rows naming a file an earlier row names, per report: a distinct count over the (report_id, sha256)
 * index, a million entries for a big report, so it is kept per report until the report's counts
 * revision moves (every change of a row's verdict moves it; a row's file only changes with its
 * answer). While a report is `running` (answers arriving, the revision moving all the time) a count
 * up to SAME_FILE_STALE_MS old is shown rather than one count per page view.
 */
const sameFileKept = new Map<string, { revision: number; rows: number; at: number }>();
const SAME_FILE_KEPT = 500;
const SAME_FILE_STALE_MS = 30_000;

async function sameFileRowsOf(db: Db, counts: Map<string, repo.VerdictCounts & { revision?: number }>, reads: QueryRunner | undefined, running: Set<string>): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  const stale: string[] = [];
  const now = Date.now();
  for (const [id, c] of counts) {
    const kept = sameFileKept.get(id);
    const fresh = kept && ((c.revision !== undefined && kept.revision === c.revision) || (running.has(id) && now - kept.at < SAME_FILE_STALE_MS));
    if (kept && fresh) result.set(id, kept.rows);
    else stale.push(id);
  }
  for (const [id, rows] of await countSameFileRows(db, stale, reads)) {
    result.set(id, rows);
    const revision = counts.get(id)?.revision;
    if (revision === undefined) continue;
    // Oldest first out: a Map iterates in insertion order.
    sameFileKept.delete(id);
    sameFileKept.set(id, { revision, rows, at: now });
    if (sameFileKept.size > SAME_FILE_KEPT) sameFileKept.delete(sameFileKept.keys().next().value!);
  }
  return result;
}

/** One row of the user's report with VirusTotal's whole answer read back (null when none is kept); 404 for anyone else's. */
export async function getItemForUser(db: Db, reportId: string, line: number, userId: number): Promise<{ report: ReportSummary; row: ReportItemRow; answer: unknown; sameFileAsLine: number | null }> {
  const report = await getReportForUser(db, reportId, userId, undefined, { sameFile: false });
  const row = await repo.findItemByLine(db, report.id, line);
  if (!row) throw new NotFoundError('Row not found.');
  const sameFile = await sameFileLines(db, report.id, [row]);
  return { report, row, answer: await readWholeAnswer(db, row.answer_id), sameFileAsLine: sameFile.get(row.line) ?? null };
}

/** One page of the rows that pass the filter, and how many pass it in all; both scan the report, so `reads` may take them off the main thread. */
export async function listReportItems(db: Db, reportId: string, query: Omit<ReportPageQuery, 'per'>, perPage: number, reads?: QueryRunner): Promise<{ items: ReportItemRow[]; matching: number }> {
  const [items, matching] = await Promise.all([
    repo.listItems(db, reportId, query, query.sort, perPage, (query.page - 1) * perPage, reads),
    repo.countItems(db, reportId, query, reads),
  ]);
  return { items, matching };
}

/**
 * For each of `rows` whose file an earlier line of the report already names, that line ("same file as
 * line 3"), keyed by the row's line; rows VirusTotal has not answered have no file to compare.
 */
export async function sameFileLines(db: Db, reportId: string, rows: ReportItemRow[]): Promise<Map<number, number>> {
  const first = await findFirstLinesOfFiles(db, reportId, rows.flatMap((r) => (r.sha256 ? [r.sha256] : [])));
  const lines = new Map<number, number>();
  for (const row of rows) {
    const line = row.sha256 ? first.get(row.sha256) : undefined;
    if (line !== undefined && line < row.line) lines.set(row.line, line);
  }
  return lines;
}

/** The rows that pass the filter, read in batches: a 100,000-row export never sits in memory. */
export function exportItems(db: Db, reportId: string, filter: ItemFilter, signal?: AbortSignal): AsyncIterable<ReportItemRow> {
  return repo.iterateItems(db, reportId, filter, signal);
}

/** The same rows as arrays, a batch at a time: what the CSV and JSON exports read (export-rows.repository.ts). */
export function exportRows(db: Db, reportId: string, filter: ItemFilter, signal?: AbortSignal): AsyncIterable<ExportRow[]> {
  return iterateExportRows(db, reportId, filter, signal);
}

/**
 * One kind of hash (or the domains and IPs) of the rows that pass the filter, each once: a list
 * holding both the MD5 and the SHA-256 of a file has two rows for it, and a pasted blocklist wants
 * it once. The set of values seen grows with the report, the text does not.
 */
export async function* listMatchingHashes(db: Db, reportId: string, filter: ItemFilter, kind: ListKind, signal?: AbortSignal): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const hash of repo.iterateHashes(db, reportId, filter, kind, signal)) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    yield hash;
  }
}

export async function deleteReportForUser(db: Db, id: string, userId: number): Promise<void> {
  const row = await repo.findReportForUser(db, id, userId);
  if (!row) throw new NotFoundError('Report not found.');
  await repo.deleteReportInBatches(db, id);
  // Its name and lines must not stay readable in the WAL (secure_delete zeroes them in the file).
  await checkpointAfterDeletion(db);
}

/** Every report of the user, each as deleteReportForUser does it: before the account itself goes. */
export async function deleteReportsOfUser(db: Db, userId: number): Promise<void> {
  for (const id of await repo.listReportIdsOfUser(db, userId)) await repo.deleteReportInBatches(db, id);
}

/**
 * Marks reports with no pending row left as completed and, when asked for, queues their email.
 * Returns the ids that completed now.
 */
/**
 * Reports whose last rows were answered by a process that stopped before it marked them completed
 * (the answer and the completion are two steps): completed at start, so their email still goes.
 */
export async function completeReportsLeftActive(db: Db): Promise<string[]> {
  return completeFinishedReports(db, await repo.listActiveReportIds(db));
}

export async function completeFinishedReports(db: Db, ids: string[], now = Date.now()): Promise<string[]> {
  const completed: string[] = [];
  for (const report of await repo.findActiveReports(db, ids)) {
    if (await repo.hasPendingItems(db, report.id)) continue;
    await repo.updateReport(db, report.id, {
      state: 'completed',
      completed_at: now,
      ...(report.notify_email ? { email_status: 'pending' as const, email_next_at: now } : {}),
    });
    completed.push(report.id);
  }
  return completed;
}
