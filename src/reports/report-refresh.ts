import type { Db, Executor } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import { estimateReport, queueForcedLookup, queueReportRows, type Estimate, type LookupStatus } from '../lookups/lookup-queue.js';
import { importHashList, type ImportDeps } from './report-import.js';
import { countForcedRefresh, ForcedRefreshLimitError, mayForceRefresh, type ForcedRefreshCap } from './forced-refresh-cap.js';
import { countStaleRows, requeueItemForced, requeueStaleRows } from './report-refresh.repository.js';
import * as reports from './report.repository.js';
import { completeFinishedReports } from './report.service.js';
import type { ReportItemRow, ReportRow, ReportUpdate } from './report.table.js';

// Refresh (rows older than the cache TTL, and failures), Force refresh (one row, even inside the TTL)
// and Re-run (the same inputs as a new report).
//
// A refreshed row goes back to `pending`, so the report is running again through the usual machinery:
// the scheduler, fair share, the limiter, the ETA and completion all work on pending rows. The row
// keeps its previous answer (detections, fetch time, whole answer) until the new one overwrites it.

export interface RefreshPlan {
  report: Pick<ReportRow, 'id' | 'name'>;
  /** Rows that would go back to the queue. */
  rows: number;
  /** Of those, rows the cache answers at once (their file was fetched again inside the TTL). */
  fromCache: number;
  /** VirusTotal lookups it costs. */
  calls: number;
  estimate: Estimate;
}

export interface ItemRefreshPlan extends RefreshPlan {
  item: ReportItemRow;
}

/** What refreshing the report's stale rows would cost, and when they would be done. */
export async function planRefresh(db: Db, reportId: string, userId: number, lookups: LookupStatus, cacheTtlMs: number, now = Date.now()): Promise<RefreshPlan> {
  const report = await ownReport(db, reportId, userId);
  const stale = await countStaleRows(db, report.id, now - cacheTtlMs);
  return { report, ...stale, estimate: await estimateReport(db, lookups, { reportId: report.id, userId, addedCalls: stale.calls }, now) };
}

/**
 * Sends the report's stale rows back to the queue:
 * 1. rows older than the TTL, and failed rows, become pending (invalid lines never do);
 * 2. those the cache answers inside the TTL are answered at once, the rest get one job per hash;
 * 3. the report runs again, or completes at once when the cache answered everything.
 * Returns how many rows went back and whether the report is complete again.
 */
export async function refreshReport(db: Db, reportId: string, userId: number, options: { cacheTtlMs: number; notify: boolean }, now = Date.now()) {
  const staleAt = now - options.cacheTtlMs;
  const { id, requeued } = await db.transaction().execute(async (trx) => {
    // Read inside the transaction: whether it was complete decides what happens to its email.
    const report = await ownReport(trx, reportId, userId);
    const rows = await requeueStaleRows(trx, report.id, staleAt);
    if (rows === 0) return { id: report.id, requeued: 0 };
    await queueReportRows(trx, report.id, options.cacheTtlMs, now);
    await reports.updateReport(trx, report.id, reopened(report, options.notify));
    return { id: report.id, requeued: rows };
  });
  const completed = requeued > 0 && (await completeFinishedReports(db, [id], now)).length > 0;
  return { requeued, completed };
}

/** What forcing one row would cost: one call, or nothing when the row cannot be refreshed. */
export async function planForceRefresh(db: Db, reportId: string, line: number, userId: number, lookups: LookupStatus, now = Date.now()): Promise<ItemRefreshPlan> {
  const report = await ownReport(db, reportId, userId);
  const item = await reports.findItemByLine(db, report.id, line);
  if (!item) throw new NotFoundError('Row not found.');
  const calls = canForce(item) ? 1 : 0;
  return { report, item, rows: calls, fromCache: 0, calls, estimate: await estimateReport(db, lookups, { reportId: report.id, userId, addedCalls: calls }, now) };
}

/**
 * Asks VirusTotal about one row again, even inside the TTL: the row and its job take only an answer
 * fetched from now on. Another job for the same hash (someone else's refresh, an upload) stays the
 * one job, so refreshes at once cost one call. Returns false when the row was not refreshable.
 * Beyond the user's daily cap on the shared quota (`cap`), ForcedRefreshLimitError, and nothing changes.
 */
export async function forceRefreshItem(db: Db, reportId: string, line: number, userId: number, cap: ForcedRefreshCap, now = Date.now()): Promise<boolean> {
  const outcome = await db.transaction().execute(async (trx) => {
    const report = await ownReport(trx, reportId, userId);
    // Refused by returning, not throwing: the refusal is thrown after the transaction has ended.
    if (!(await mayForceRefresh(trx, userId, cap, now))) return 'capped';
    const row = await requeueItemForced(trx, report.id, line, now);
    if (!row) {
      if (!(await reports.findItemByLine(trx, report.id, line))) throw new NotFoundError('Row not found.');
      return 'unchanged';
    }
    if (row.hash === null || row.hash_type === null) throw new Error(`line ${line} of a report was answered without a hash`);
    await queueForcedLookup(trx, { hash: row.hash, hashType: row.hash_type }, now);
    await reports.updateReport(trx, report.id, reopened(report, false));
    await countForcedRefresh(trx, userId, cap, now);
    return 'queued';
  });
  if (outcome === 'capped' && cap) throw new ForcedRefreshLimitError(cap.perDay, now);
  return outcome === 'queued';
}

const RERUN_SUFFIX = ' (re-run)';
/** What the upload form allows for a name. */
const MAX_NAME = 200;

/**
 * Uploads the report's inputs again as a new report, through the normal import: the same lines at the
 * same line numbers (invalid ones too), answered from the cache where it can, queued where not.
 */
export async function rerunReport(deps: ImportDeps, reportId: string, userId: number, mailEnabled: boolean) {
  const report = await ownReport(deps.db, reportId, userId);
  const lines: string[] = [];
  for await (const item of reports.iterateItems(deps.db, report.id)) {
    // Blank lines where the upload had them (or a duplicate the import dropped) keep the line numbers.
    while (lines.length < item.line - 1) lines.push('');
    lines.push(item.input);
  }
  return importHashList(deps, {
    userId,
    name: report.name.slice(0, MAX_NAME - RERUN_SUFFIX.length) + RERUN_SUFFIX,
    notify: mailEnabled && report.notify_email === 1,
    content: Buffer.from(lines.join('\n'), 'utf8'),
  });
}

/** How a cache lifetime reads on the confirm page: "24 hours", "1.5 hours", "90 seconds". */
export function describeDuration(ms: number): string {
  const [amount, unit] = ms >= 3_600_000 ? [ms / 3_600_000, 'hour'] : ms >= 60_000 ? [ms / 60_000, 'minute'] : [ms / 1000, 'second'];
  const shown = Number(amount.toFixed(1));
  return `${shown} ${unit}${shown === 1 ? '' : 's'}`;
}

async function ownReport(db: Executor, reportId: string, userId: number): Promise<ReportRow> {
  const report = await reports.findReportForUser(db, reportId, userId);
  if (!report) throw new NotFoundError('Report not found.');
  return report;
}

/** Pending rows wait for their answer; invalid lines are never looked up. */
const canForce = (item: ReportItemRow) => item.status === 'found' || item.status === 'not_found' || item.status === 'error';

/**
 * The report with waiting rows is running again, so its ETA shows and it completes again. The email
 * sent for a completed report is not sent again unless asked for; a report still running keeps the
 * choice made at upload (its email has not gone yet).
 */
function reopened(report: ReportRow, notify: boolean): ReportUpdate {
  const change: ReportUpdate = { state: 'active', completed_at: null };
  if (notify) return { ...change, notify_email: 1, email_status: 'waiting', email_attempts: 0, email_error: null, email_next_at: null };
  return report.state === 'completed' ? { ...change, notify_email: 0 } : change;
}
