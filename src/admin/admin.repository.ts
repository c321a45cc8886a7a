import { sql, type RawBuilder } from 'kysely';
import { databaseDialect, type Db, type Executor } from '../shared/database.js';
import type { AdminSort, SortDirection } from './admin.schemas.js';

// Operator-wide reads for the admin dashboard: unlike every other repository, not scoped to one user.

export interface UserWithReportCount {
  id: number;
  email: string;
  created_at: number;
  disabled_at: number | null;
  reports: number;
}

export interface PendingByUser {
  user_id: number;
  email: string;
  /** A disabled account's rows stay queued but are not looked up. */
  disabled_at: number | null;
  pending: number;
}

export interface ErrorRow {
  hash: string | null;
  error: string | null;
  looked_up_at: number | null;
}

/** One page of a table in a whitelisted order; `id` breaks ties so no row shows on two pages. */
export interface PageRequest<S extends string> {
  sort: S;
  dir: SortDirection;
  limit: number;
  offset: number;
}

/**
 * Addresses in byte order on both databases: PostgreSQL's default collation follows the server's
 * locale (which skips dots and dashes), SQLite's is binary; one admin, one order.
 */
function emailOrder(db: Executor, column: 'u.email'): RawBuilder<string> {
  return databaseDialect(db) === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function listUsersWithReportCounts(db: Db, page: PageRequest<AdminSort<'users'>>): Promise<UserWithReportCount[]> {
  const order = {
    email: emailOrder(db, 'u.email'),
    created: sql<number>`u.created_at`,
    reports: sql<number>`count(r.id)`,
    // Active accounts (no date) before or after the disabled ones, the latest disabled at the far end.
    state: sql<number>`coalesce(u.disabled_at, 0)`,
  }[page.sort];
  const rows = await db
    .selectFrom('users as u')
    // Half-written uploads are invisible to their owner, so they are not counted here either.
    .leftJoin('reports as r', (join) => join.onRef('r.user_id', '=', 'u.id').on('r.state', '!=', 'importing'))
    .select(['u.id', 'u.email', 'u.created_at', 'u.disabled_at', (eb) => eb.fn.count<number>('r.id').as('reports')])
    .groupBy('u.id')
    .orderBy(order, page.dir)
    .orderBy('u.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map((r) => ({ ...r, reports: Number(r.reports) }));
}

/** The addresses of these accounts (the owners of personal keys), by id. */
export async function findEmailsByIds(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'email']).where('id', 'in', [...ids]).execute();
  return new Map(rows.map((r) => [r.id, r.email]));
}

/** Sets or clears disabled_at (disabling also ends every session signed in before it); false when no such user exists. */
export async function updateUserDisabledAt(db: Executor, userId: number, disabledAt: number | null): Promise<boolean> {
  const change = disabledAt === null ? { disabled_at: null } : { disabled_at: disabledAt, sessions_revoked_at: disabledAt };
  const result = await db.updateTable('users').set(change).where('id', '=', userId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Rows still waiting for an answer: not yet queued while importing; verdict mirrors status for pending rows and is indexed with report_id. */
function pendingRows(db: Db) {
  return db
    .selectFrom('report_items as i')
    .innerJoin('reports as r', 'r.id', 'i.report_id')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .where('r.state', '=', 'active')
    .where('i.verdict', '=', 'pending');
}

/** How many users have rows waiting: the queue table's length. */
export async function countUsersWaiting(db: Db): Promise<number> {
  const row = await pendingRows(db)
    .select((eb) => eb.fn.count<number>('u.id').distinct().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Rows still waiting for an answer, per user, one page in the order asked. */
export async function countPendingByUser(db: Db, page: PageRequest<AdminSort<'queue'>>): Promise<PendingByUser[]> {
  const order = page.sort === 'user' ? emailOrder(db, 'u.email') : sql<number>`count(*)`;
  const rows = await pendingRows(db)
    .select(['u.id as user_id', 'u.email', 'u.disabled_at', (eb) => eb.fn.countAll<number>().as('pending')])
    .groupBy('u.id')
    .orderBy(order, page.dir)
    .orderBy('u.id')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map((r) => ({ ...r, pending: Number(r.pending) }));
}

/** Calls to VirusTotal (all keys) per `bucketMs` from `start`, as [bucket index, count] for non-empty buckets. */
export async function countCallsByBucket(db: Db, start: number, end: number, bucketMs: number): Promise<Array<{ bucket: number; n: number }>> {
  const result = await sql<{ bucket: number; n: number }>`
    SELECT CAST((at - ${start}) / ${bucketMs} AS INTEGER) AS bucket, count(*) AS n
    FROM vt_calls WHERE at >= ${start} AND at < ${end}
    GROUP BY bucket
  `.execute(db);
  return result.rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n) }));
}

export async function countCallsSince(db: Db, since: number): Promise<number> {
  const row = await db.selectFrom('vt_calls').select((eb) => eb.fn.countAll<number>().as('n')).where('at', '>=', since).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countCache(db: Db): Promise<{ entries: number; aliases: number }> {
  const [entries, aliases] = await Promise.all([
    db.selectFrom('cache_entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    db.selectFrom('cache_aliases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { entries: Number(entries.n), aliases: Number(aliases.n) };
}

/** Rows that got an answer (found or not found) since `since`, and how many of those came from the cache. */
export async function countAnsweredSince(db: Db, since: number): Promise<{ answered: number; fromCache: number }> {
  const row = await db
    .selectFrom('report_items')
    .select((eb) => [eb.fn.countAll<number>().as('answered'), eb.fn.sum<number | null>('from_cache').as('from_cache')])
    .where('status', 'in', ['found', 'not_found'])
    .where('looked_up_at', '>=', since)
    .executeTakeFirstOrThrow();
  return { answered: Number(row.answered), fromCache: Number(row.from_cache ?? 0) };
}

/**
 * The newest rows that ended in an error. One failed hash marks its rows in every report that
 * waited for it at once; DISTINCT shows that failure once.
 */
export async function listRecentErrorRows(db: Db, limit: number): Promise<ErrorRow[]> {
  return db
    .selectFrom('report_items')
    .select(['hash', 'error', 'looked_up_at'])
    .distinct()
    .where('status', '=', 'error')
    .orderBy('looked_up_at', 'desc')
    .limit(limit)
    .execute();
}
