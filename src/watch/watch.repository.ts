import type { Executor } from '../shared/database.js';
import type { ChangeKind } from './row-changes.js';
import type { DiffRow } from './recheck.repository.js';
import type { ReportWatchRow, WatchChangeRow } from './watch.table.js';

// Watches, finished re-checks, their changes and their emails. Callers check ownership first
// (or, for the leader duty, act for the watch's owner).

export async function insertWatch(db: Executor, watch: { reportId: string; userId: number; now: number; nextCheckAt: number }): Promise<void> {
  await db
    .insertInto('report_watches')
    .values({ report_id: watch.reportId, user_id: watch.userId, created_at: watch.now, next_check_at: watch.nextCheckAt })
    .onConflict((oc) => oc.column('report_id').doNothing())
    .execute();
}

export async function findWatch(db: Executor, reportId: string): Promise<ReportWatchRow | undefined> {
  return db.selectFrom('report_watches').selectAll().where('report_id', '=', reportId).executeTakeFirst();
}

export async function deleteWatch(db: Executor, reportId: string): Promise<void> {
  await db.deleteFrom('report_watches').where('report_id', '=', reportId).execute();
}

/** Watches due for a re-check whose report is complete (a running report is re-checked once done), oldest due first. */
export async function listDueWatches(db: Executor, now: number, limit: number): Promise<ReportWatchRow[]> {
  return db
    .selectFrom('report_watches as w')
    .innerJoin('reports as r', 'r.id', 'w.report_id')
    .innerJoin('users as u', 'u.id', 'w.user_id')
    .selectAll('w')
    .where('w.next_check_at', '<=', now)
    .where('w.checking_since', 'is', null)
    .where('r.state', '=', 'completed')
    .where('u.disabled_at', 'is', null)
    .orderBy('w.next_check_at')
    .limit(limit)
    .execute();
}

/** Re-checks whose rows have all been answered again (the report completed). */
export async function listFinishedChecks(db: Executor): Promise<ReportWatchRow[]> {
  return db
    .selectFrom('report_watches as w')
    .innerJoin('reports as r', 'r.id', 'w.report_id')
    .selectAll('w')
    .where('w.checking_since', 'is not', null)
    .where('r.state', '=', 'completed')
    .execute();
}

export async function updateWatch(db: Executor, reportId: string, change: { checkingSince: number | null; nextCheckAt?: number; lastCheckAt?: number }): Promise<void> {
  await db
    .updateTable('report_watches')
    .set({
      checking_since: change.checkingSince,
      ...(change.nextCheckAt !== undefined ? { next_check_at: change.nextCheckAt } : {}),
      ...(change.lastCheckAt !== undefined ? { last_check_at: change.lastCheckAt } : {}),
    })
    .where('report_id', '=', reportId)
    .execute();
}

export interface FoundChange extends DiffRow {
  kinds: ChangeKind[];
}

/** A finished re-check and its changes; its email waits in the outbox (watch_checks.email_status). */
export async function insertCheck(db: Executor, check: { reportId: string; startedAt: number; finishedAt: number; changes: FoundChange[] }): Promise<number> {
  const row = await db
    .insertInto('watch_checks')
    .values({ report_id: check.reportId, started_at: check.startedAt, finished_at: check.finishedAt, changes: check.changes.length, email_status: 'pending', email_next_at: check.finishedAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  const checkId = Number(row.id);
  // In slices: a parameter list has a ceiling on both databases.
  for (let i = 0; i < check.changes.length; i += 500) {
    await db
      .insertInto('watch_changes')
      .values(
        check.changes.slice(i, i + 500).map((c) => ({
          check_id: checkId,
          report_id: check.reportId,
          line: c.line,
          input: c.input,
          kinds: c.kinds.join(','),
          before_verdict: c.beforeVerdict,
          after_verdict: c.afterVerdict,
          before_malicious: c.beforeMalicious,
          after_malicious: c.afterMalicious,
          before_fortinet: c.beforeFortinet,
          after_fortinet: c.afterFortinet,
        })),
      )
      .execute();
  }
  return checkId;
}

export interface CheckWithChanges {
  id: number;
  startedAt: number;
  finishedAt: number;
  emailStatus: string;
  changes: WatchChangeRow[];
}

/** The report's re-checks that changed something, newest first, each with its changes (at most `limit` checks). */
export async function listChecks(db: Executor, reportId: string, limit: number): Promise<CheckWithChanges[]> {
  const checks = await db.selectFrom('watch_checks').selectAll().where('report_id', '=', reportId).orderBy('finished_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  if (checks.length === 0) return [];
  const changes = await db
    .selectFrom('watch_changes')
    .selectAll()
    .where('check_id', 'in', checks.map((c) => c.id))
    .orderBy('line')
    .execute();
  return checks.map((c) => ({
    id: Number(c.id),
    startedAt: Number(c.started_at),
    finishedAt: Number(c.finished_at),
    emailStatus: c.email_status,
    changes: changes.filter((ch) => Number(ch.check_id) === Number(c.id)),
  }));
}

export async function countChanges(db: Executor, reportId: string): Promise<number> {
  const row = await db.selectFrom('watch_changes').select((eb) => eb.fn.countAll<number | string>().as('n')).where('report_id', '=', reportId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export interface DueChangeEmail {
  checkId: number;
  reportId: string;
  reportName: string;
  to: string;
  confirmed: boolean;
  attempts: number;
}

export async function findDueChangeEmails(db: Executor, now: number): Promise<DueChangeEmail[]> {
  const rows = await db
    .selectFrom('watch_checks as c')
    .innerJoin('reports as r', 'r.id', 'c.report_id')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['c.id', 'c.report_id', 'c.email_attempts', 'r.name', 'u.email', 'u.email_confirmed_at'])
    .where('c.email_status', '=', 'pending')
    .where('c.email_next_at', '<=', now)
    .orderBy('c.email_next_at')
    .limit(50)
    .execute();
  return rows.map((r) => ({ checkId: Number(r.id), reportId: r.report_id, reportName: r.name, to: r.email, confirmed: r.email_confirmed_at != null, attempts: r.email_attempts }));
}

export async function listChangesOfCheck(db: Executor, checkId: number): Promise<WatchChangeRow[]> {
  return db.selectFrom('watch_changes').selectAll().where('check_id', '=', checkId).orderBy('line').execute();
}

export async function markChangeEmail(db: Executor, checkId: number, outcome: { status: 'pending' | 'sent' | 'failed'; attempts: number; error: string | null; nextAt: number | null }): Promise<void> {
  await db
    .updateTable('watch_checks')
    .set({ email_status: outcome.status, email_attempts: outcome.attempts, email_error: outcome.error, email_next_at: outcome.nextAt })
    .where('id', '=', checkId)
    .execute();
}
