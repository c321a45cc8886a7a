import { sql, type Transaction } from 'kysely';
import type { Db } from '../shared/database.js';
import type { Database } from '../shared/schema.js';
import type { LookupJobRow } from './lookup.table.js';

type Executor = Db | Transaction<Database>;

/**
 * Queues one job per distinct hash still pending in a report. A hash already queued by anyone
 * keeps its existing job (single flight: one call however many rows want it).
 */
export async function enqueuePendingOfReport(db: Executor, reportId: string, now: number): Promise<void> {
  await sql`
    INSERT INTO lookup_jobs (hash, hash_type, state, created_at)
    SELECT hash, hash_type, 'queued', ${now} FROM report_items
    WHERE report_id = ${reportId} AND status = 'pending'
    ORDER BY id
    ON CONFLICT (hash) DO NOTHING
  `.execute(db);
}

/** The oldest job that may run now, first come first served. */
export async function findNextDueJob(db: Executor, now: number): Promise<LookupJobRow | undefined> {
  return db
    .selectFrom('lookup_jobs')
    .selectAll()
    .where('state', '=', 'queued')
    .where('not_before', '<=', now)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
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

export async function releaseAllLeases(db: Executor): Promise<number> {
  const result = await db.updateTable('lookup_jobs').set({ state: 'queued', leased_until: null }).where('state', '=', 'leased').executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** The newest job a report's pending rows wait for; job ids never change, so this is kept once. */
export async function lastJobOfReport(db: Executor, reportId: string): Promise<number | null> {
  const row = await sql<{ id: number | null }>`
    SELECT max(j.id) AS id FROM report_items i JOIN lookup_jobs j ON j.hash = i.hash
    WHERE i.report_id = ${reportId} AND i.status = 'pending'
  `.execute(db);
  return row.rows[0]?.id ?? null;
}

/**
 * How many calls stand between now and a report's last pending row: every job still queued up to
 * and including the report's last one (first come first served). Jobs in flight have their slot already.
 */
export async function callsAheadOf(db: Executor, lastJobId: number): Promise<number> {
  const row = await db
    .selectFrom('lookup_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'queued')
    .where('id', '<=', lastJobId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
