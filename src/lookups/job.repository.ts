import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { LookupJobRow } from './lookup.table.js';
import type { LookupType } from './lookup.types.js';


/** Lines `from` to `to` of a report, both included. */
export interface LineRange {
  from: number;
  to: number;
}

/**
 * Queues one job per distinct hash still pending in a report (in `lines` only, when given). A hash already queued by anyone
 * keeps its existing job (single flight: one call however many rows want it).
 */
export async function enqueuePendingOfReport(db: Executor, reportId: string, now: number, lines?: LineRange): Promise<void> {
  await sql`
    INSERT INTO lookup_jobs (hash, hash_type, state, created_at)
    SELECT hash, hash_type, 'queued', CAST(${now} AS bigint) FROM report_items
    WHERE report_id = ${reportId} AND status = 'pending'
    ${lines ? sql`AND line BETWEEN ${lines.from} AND ${lines.to}` : sql``}
    ORDER BY id
    ON CONFLICT (hash) DO NOTHING
  `.execute(db);
}

/**
 * Queues a lookup that the cache may answer only with an entry fetched at or after `freshAfter` (a
 * forced refresh). A job already queued or in flight for the hash stays the one job (single flight)
 * and takes the later limit; a call already out still counts, as its answer is stored after the request.
 */
export async function enqueueForcedJob(db: Executor, job: { hash: string; hashType: LookupType; freshAfter: number }, now: number): Promise<void> {
  await sql`
    INSERT INTO lookup_jobs (hash, hash_type, state, created_at, fresh_after)
    VALUES (${job.hash}, ${job.hashType}, 'queued', ${now}, ${job.freshAfter})
    ON CONFLICT (hash) DO UPDATE SET fresh_after = CASE WHEN excluded.fresh_after > lookup_jobs.fresh_after THEN excluded.fresh_after ELSE lookup_jobs.fresh_after END
  `.execute(db);
}

/** The job's current cache limit (a forced refresh may have raised it since the job was read); null once it is gone. */
export async function findJobFreshAfter(db: Executor, id: number): Promise<number | null> {
  const row = await db.selectFrom('lookup_jobs').select('fresh_after').where('id', '=', id).executeTakeFirst();
  return row?.fresh_after ?? null;
}

/**
 * Reports with rows waiting for VirusTotal, whose owners may still spend quota (not disabled).
 * `recheck`: a watched report's scheduled re-check (watch/), which takes the lowest turn.
 */
export async function listRunnableReports(db: Executor): Promise<Array<{ reportId: string; userId: number; recheck: boolean }>> {
  const rows = await db
    .selectFrom('reports')
    .innerJoin('users', 'users.id', 'reports.user_id')
    .leftJoin('report_watches', 'report_watches.report_id', 'reports.id')
    .select(['reports.id as reportId', 'reports.user_id as userId', 'report_watches.checking_since as checkingSince'])
    .where('reports.state', '=', 'active')
    .where('users.disabled_at', 'is', null)
    .orderBy('reports.created_at')
    .execute();
  return rows.map(({ checkingSince, ...r }) => ({ ...r, recheck: checkingSince != null }));
}

/**
 * A report's first row, in upload order, whose job may run now. Rows already in flight or waiting
 * out a retry delay are passed over. Walks the (report_id, verdict) index, which keeps row order.
 */
export async function nextDueJobOfReport(db: Executor, reportId: string, now: number): Promise<LookupJobRow | undefined> {
  const row = await sql<LookupJobRow>`
    SELECT j.* FROM report_items i JOIN lookup_jobs j ON j.hash = i.hash
    WHERE i.report_id = ${reportId} AND i.verdict = 'pending' AND j.state = 'queued' AND j.not_before <= ${now}
    ORDER BY i.id LIMIT 1
  `.execute(db);
  return row.rows[0];
}

/** How far into a report's waiting rows to look for a job of a given hash type. */
const TYPE_SCAN_ROWS = 256;

/**
 * As nextDueJobOfReport, for a job of one hash type among the report's next waiting rows (a bounded
 * look, so a report of a million MD5s is not walked in search of a SHA-256).
 */
export async function nextDueJobOfReportOfType(db: Executor, reportId: string, now: number, hashType: LookupType): Promise<LookupJobRow | undefined> {
  const row = await sql<LookupJobRow>`
    SELECT j.* FROM (
      SELECT id, hash FROM report_items WHERE report_id = ${reportId} AND verdict = 'pending' ORDER BY id LIMIT ${TYPE_SCAN_ROWS}
    ) i JOIN lookup_jobs j ON j.hash = i.hash
    WHERE j.hash_type = ${hashType} AND j.state = 'queued' AND j.not_before <= ${now}
    ORDER BY i.id LIMIT 1
  `.execute(db);
  return row.rows[0];
}

/** Jobs nobody waits for any more (their reports were deleted) would cost quota for nothing. */
export async function deleteOrphanJobs(db: Executor): Promise<number> {
  const result = await sql`
    DELETE FROM lookup_jobs WHERE state = 'queued'
    AND NOT EXISTS (SELECT 1 FROM report_items i WHERE i.hash = lookup_jobs.hash AND i.status = 'pending')
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/** When the earliest job in backoff becomes due, or null when none waits. */
export async function findEarliestBackoff(db: Executor, now: number): Promise<number | null> {
  const row = await db
    .selectFrom('lookup_jobs')
    .select((eb) => eb.fn.min('not_before').as('at'))
    .where('state', '=', 'queued')
    .where('not_before', '>', now)
    .executeTakeFirst();
  return row?.at ?? null;
}

export async function leaseJob(db: Executor, id: number, until: number): Promise<void> {
  await db.updateTable('lookup_jobs').set({ state: 'leased', leased_until: until }).where('id', '=', id).execute();
}

/** Puts a job back in line; `attempts` grows only for failures that count towards giving up. */
export async function requeueJob(db: Executor, id: number, change: { notBefore: number; attempts?: number; lastError?: string | null }): Promise<void> {
  await db
    .updateTable('lookup_jobs')
    .set({
      state: 'queued',
      leased_until: null,
      not_before: change.notBefore,
      ...(change.attempts !== undefined ? { attempts: change.attempts } : {}),
      ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteJob(db: Executor, id: number): Promise<void> {
  await db.deleteFrom('lookup_jobs').where('id', '=', id).execute();
}

/** Drops queued jobs for hashes the cache now answers (another alias of the same file came back). */
export async function deleteQueuedJobsFor(db: Executor, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return;
  await db.deleteFrom('lookup_jobs').where('state', '=', 'queued').where('hash', 'in', hashes).execute();
}

/** Leases left by a process that died (or by a lookup that never came back) return to the queue. */
export async function releaseExpiredLeases(db: Executor, now: number): Promise<number> {
  const result = await db
    .updateTable('lookup_jobs')
    .set({ state: 'queued', leased_until: null })
    .where('state', '=', 'leased')
    .where('leased_until', '<=', now)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Lookups leased by the dispatcher, wherever it runs: what a follower shows as in flight. */
export async function countLeasedJobs(db: Executor): Promise<number> {
  const row = await db.selectFrom('lookup_jobs').select((eb) => eb.fn.countAll<number | string>().as('n')).where('state', '=', 'leased').executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Returns these leases to the queue: a dispatcher stepping down returns only its own. A lease is
 * matched by its job and its expiry too, so a job another dispatcher has leased again since (after a
 * failover) keeps that newer lease.
 */
export async function releaseLeases(db: Executor, leases: ReadonlyArray<{ id: number; until: number }>): Promise<number> {
  let released = 0;
  for (const { id, until } of leases) {
    const result = await db
      .updateTable('lookup_jobs')
      .set({ state: 'queued', leased_until: null })
      .where('state', '=', 'leased')
      .where('id', '=', id)
      .where('leased_until', '=', until)
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}

export async function releaseAllLeases(db: Executor): Promise<number> {
  const result = await db.updateTable('lookup_jobs').set({ state: 'queued', leased_until: null }).where('state', '=', 'leased').executeTakeFirst();
  return Number(result.numUpdatedRows);
}
