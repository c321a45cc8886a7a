import { checkpointAfterDeletion, type Db } from '../shared/database.js';
import type { QueryRunner } from '../shared/read-pool.js';
import { NotFoundError } from '../shared/errors.js';
import { readWholeAnswer } from '../lookups/lookup-queue.js';
import { summariseCounted, type ReportSummary } from './report-summary.js';
import * as repo from './report.repository.js';
import type { ItemFilter, ListKind, ReportListFilter, ReportPageQuery } from './report.schemas.js';
import type { ReportItemRow } from './report.table.js';

// Reports as their owner reaches them: list, get, delete, and completion once no row waits.

export async function listReports(db: Db, userId: number, filter: ReportListFilter, page: number, perPage: number) {
  const [rows, total] = await Promise.all([
    repo.listReportsForUser(db, userId, filter, perPage, (page - 1) * perPage),
    repo.countReportsForUser(db, userId, filter),
  ]);
  const counts = await repo.countVerdicts(db, rows.map((r) => r.id));
  return { reports: rows.map((r) => summariseCounted(r, counts)), total };
}

/**
 * The report if `userId` owns it; anyone else gets the same 404 as for a report that never existed.
 * Its counts read every row's index entry: `reads` may run that off the main thread.
 */
export async function getReportForUser(db: Db, id: string, userId: number, reads?: QueryRunner): Promise<ReportSummary> {
  const row = await repo.findReportForUser(db, id, userId);
  if (!row) throw new NotFoundError('Report not found.');
  return summariseCounted(row, await repo.countVerdicts(db, [row.id], reads));
}

/** One row of the user's report with VirusTotal's whole answer read back (null when none is kept); 404 for anyone else's. */
export async function getItemForUser(db: Db, reportId: string, line: number, userId: number): Promise<{ report: ReportSummary; row: ReportItemRow; answer: unknown }> {
  const report = await getReportForUser(db, reportId, userId);
  const row = await repo.findItemByLine(db, report.id, line);
  if (!row) throw new NotFoundError('Row not found.');
  return { report, row, answer: await readWholeAnswer(db, row.answer_id) };
}

/** One page of the rows that pass the filter, and how many pass it in all; both scan the report, so `reads` may take them off the main thread. */
export async function listReportItems(db: Db, reportId: string, query: ReportPageQuery, perPage: number, reads?: QueryRunner): Promise<{ items: ReportItemRow[]; matching: number }> {
  const [items, matching] = await Promise.all([
    repo.listItems(db, reportId, query, query.sort, perPage, (query.page - 1) * perPage, reads),
    repo.countItems(db, reportId, query, reads),
  ]);
  return { items, matching };
}

/** The rows that pass the filter, read in batches: a 100,000-row export never sits in memory. */
export function exportItems(db: Db, reportId: string, filter: ItemFilter, signal?: AbortSignal): AsyncIterable<ReportItemRow> {
  return repo.iterateItems(db, reportId, filter, signal);
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
