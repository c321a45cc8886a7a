import type { Db, Executor } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import { findReportForUser } from '../reports/report.repository.js';
import { completeFinishedReports } from '../reports/report.service.js';
import type { ReportRow } from '../reports/report.table.js';
import { deleteBaseline, restoreWaitingRows } from './recheck.repository.js';
import * as watches from './watch.repository.js';

/** How many re-checks with changes the Changes page and the API show. */
export const CHECKS_SHOWN = 50;

export interface WatchState {
  watching: boolean;
  /** When the next re-check is due; null when not watched. */
  nextCheckAt: number | null;
  lastCheckAt: number | null;
  /** A re-check's rows are waiting for their answers now. */
  checking: boolean;
  /** Changes found so far, all re-checks together (kept after watching stops). */
  changes: number;
}

/** Starts watching the user's report; the first re-check is due one interval from now. Watching twice is watching once. */
export async function watchReport(db: Db, reportId: string, userId: number, recheckMs: number, now = Date.now()): Promise<WatchState> {
  const report = await ownReport(db, reportId, userId);
  await watches.insertWatch(db, { reportId: report.id, userId, now, nextCheckAt: now + recheckMs });
  return watchState(db, report.id, userId);
}

/**
 * Stops watching. A re-check under way stops too: rows still waiting take back their previous
 * answer, so nothing more is looked up for it. Returns the ids of reports that completed again.
 */
export async function unwatchReport(db: Db, reportId: string, userId: number): Promise<string[]> {
  const id = await db.transaction().execute(async (trx) => {
    const report = await ownReport(trx, reportId, userId);
    await restoreWaitingRows(trx, report.id);
    await deleteBaseline(trx, report.id);
    await watches.deleteWatch(trx, report.id);
    return report.id;
  });
  return completeFinishedReports(db, [id]);
}

export async function watchState(db: Executor, reportId: string, userId: number): Promise<WatchState> {
  const report = await ownReport(db, reportId, userId);
  const [watch, changes] = await Promise.all([watches.findWatch(db, report.id), watches.countChanges(db, report.id)]);
  return {
    watching: watch !== undefined,
    nextCheckAt: watch ? Number(watch.next_check_at) : null,
    lastCheckAt: watch?.last_check_at == null ? null : Number(watch.last_check_at),
    checking: watch?.checking_since != null,
    changes,
  };
}

/** The report's re-checks that found changes, newest first, with before and after for each row. */
export async function reportChanges(db: Db, reportId: string, userId: number) {
  const report = await ownReport(db, reportId, userId);
  const [state, checks] = await Promise.all([watchState(db, report.id, userId), watches.listChecks(db, report.id, CHECKS_SHOWN)]);
  return { report, state, checks };
}

async function ownReport(db: Executor, reportId: string, userId: number): Promise<ReportRow> {
  const report = await findReportForUser(db, reportId, userId);
  if (!report) throw new NotFoundError('Report not found.');
  return report;
}
