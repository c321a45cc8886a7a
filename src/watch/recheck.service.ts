import * as throttles from '../auth/throttle.repository.js';
import { queueReportRows } from '../lookups/lookup-queue.js';
import { nextUtcMidnight } from '../lookups/rate-limiter.js';
import type { Db } from '../shared/database.js';
import { updateReport } from '../reports/report.repository.js';
import { completeFinishedReports } from '../reports/report.service.js';
import type { QueryRunner } from '../shared/read-pool.js';
import { deleteBaseline, findRecheckRows, listDifferences, snapshotAndRequeue } from './recheck.repository.js';
import { changeKinds } from './row-changes.js';
import type { WatchConfig } from './watch.config.js';
import * as watches from './watch.repository.js';
import type { ReportWatchRow } from './watch.table.js';

// A re-check reuses what Refresh does: rows go back to pending (keeping their previous answer until
// the new one lands), the cache answers what it can, one job per remaining value is queued, and the
// report runs again through the usual machinery. What differs: the rows' answers are snapshotted
// first, the lookups take the lowest turn (lookups/dispatch-selection.ts sends them only when no
// interactive lookup is waiting), they stay inside the owner's daily budget, no "report ready"
// email is sent, and when the report completes the answers are compared with the snapshot.

export interface RecheckOptions {
  cacheTtlMs: number;
  watch: Readonly<WatchConfig>;
  /** Where the scans of a report run: worker threads on SQLite (shared/read-pool.ts). */
  reads: QueryRunner;
}

/** Re-checks one due watch is allowed to start per pass; the rest wait for the next pass. */
const STARTS_PER_PASS = 20;

/** Lookups the user's re-checks spent today: a row of the throttle table, as the forced-refresh cap keeps its count. */
const budgetKey = (userId: number, now: number) => `watch-lookups:${userId}:${new Date(now).toISOString().slice(0, 10)}`;

export async function lookupsSpentToday(db: Db, userId: number, now: number): Promise<number> {
  const [row] = await throttles.findThrottles(db, [budgetKey(userId, now)]);
  return row?.failures ?? 0;
}

/**
 * Starts the re-checks that are due. Returns whether any lookup was queued (wake the dispatcher)
 * and whether any report completed at once (the cache answered all of it).
 */
export async function startDueRechecks(db: Db, options: RecheckOptions, now: number): Promise<{ queued: boolean; completed: boolean }> {
  let queued = false;
  let completed = false;
  for (const watch of await watches.listDueWatches(db, now, STARTS_PER_PASS)) {
    const started = await startRecheck(db, watch, options, now);
    queued ||= started.calls > 0;
    completed ||= started.completed;
  }
  return { queued, completed };
}

async function startRecheck(db: Db, watch: ReportWatchRow, options: RecheckOptions, now: number) {
  const { report_id: reportId, user_id: userId } = watch;
  const spent = await lookupsSpentToday(db, userId, now);
  // Read off the main thread; the writes below go by primary key.
  const rows = await findRecheckRows(db, options.reads, reportId, now - options.cacheTtlMs, Math.max(0, options.watch.lookupsPerDay - spent));
  // Values the budget left out are looked at again once the budget renews (00:00 UTC).
  const next = rows.deferred ? Math.min(now + options.watch.recheckMs, nextUtcMidnight(now)) : now + options.watch.recheckMs;
  const outcome = await db.transaction().execute(async (trx) => {
    // Watching may have stopped since the due list was read.
    if (!(await watches.findWatch(trx, reportId))) return { calls: 0, running: false };
    const taken = await snapshotAndRequeue(trx, reportId, rows.ids);
    if (taken === 0) {
      await watches.updateWatch(trx, reportId, { checkingSince: null, nextCheckAt: next, lastCheckAt: now });
      return { calls: 0, running: false };
    }
    await queueReportRows(trx, reportId, options.cacheTtlMs, now);
    // Running again, without a second "report ready" email (the report was complete, see listDueWatches).
    await updateReport(trx, reportId, { state: 'active', completed_at: null, notify_email: 0 });
    await watches.updateWatch(trx, reportId, { checkingSince: now, nextCheckAt: next });
    if (rows.calls > 0) {
      const key = budgetKey(userId, now);
      await throttles.saveThrottle(trx, { key, failures: spent + rows.calls, first_at: now, next_allowed_at: 0, locked_until: nextUtcMidnight(now) });
    }
    return { calls: rows.calls, running: true };
  });
  const completed = outcome.running && (await completeFinishedReports(db, [reportId], now)).length > 0;
  return { calls: outcome.calls, completed };
}

/**
 * Ends the re-checks whose rows are all answered again: compares each row with its snapshot, keeps
 * the changes (the rows' history) and queues one email per re-check that changed something.
 * Returns how many re-checks found changes.
 */
export async function finishRechecks(db: Db, options: RecheckOptions, now: number): Promise<number> {
  let withChanges = 0;
  for (const watch of await watches.listFinishedChecks(db)) {
    const found = await db.transaction().execute(async (trx) => {
      const changes = (await listDifferences(trx, watch.report_id))
        .map((row) => ({ ...row, kinds: changeKinds(row, options.watch.detectionsUp) }))
        .filter((row) => row.kinds.length > 0);
      if (changes.length > 0) await watches.insertCheck(trx, { reportId: watch.report_id, startedAt: Number(watch.checking_since), finishedAt: now, changes });
      await deleteBaseline(trx, watch.report_id);
      await watches.updateWatch(trx, watch.report_id, { checkingSince: null, lastCheckAt: now });
      return changes.length > 0;
    });
    if (found) withChanges++;
  }
  return withChanges;
}
