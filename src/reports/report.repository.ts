import { sql, type Expression, type ExpressionBuilder, type OrderByItemBuilder, type SqlBool } from 'kysely';
import { databaseDialect, type Db, type Executor } from '../shared/database.js';
import { onConnection, type QueryRunner } from '../shared/read-pool.js';
import type { Database } from '../shared/schema.js';
import type { ItemFilter, ItemSort, ListKind, ReportListFilter } from './report.schemas.js';
import { likeLiteral, searchMatches } from './report-search.repository.js';
import { countRowsWithVerdicts, hasPendingRows, readVerdictCounts, type VerdictCounts } from './report-counts.repository.js';
import type { NewReportRow, ReportItemRow, ReportRow, ReportUpdate } from './report.table.js';


const EVERY_ROW: ItemFilter = { verdict: [], q: '' };


/**
 * A LIKE that ignores case on both databases: SQLite's LIKE already does (for ASCII), PostgreSQL's
 * does not, and its ILIKE is the same match without case.
 */
const likeOn = (db: Executor) => {
  const op = sql.raw(databaseDialect(db) === 'postgres' ? 'ILIKE' : 'LIKE');
  return (column: string, pattern: string) => sql<SqlBool>`${sql.ref(column)} ${op} ${pattern} ESCAPE '\\'`;
};

// Every query that reads a report for a person takes their user id: ownership is part of the query.

export async function insertReport(db: Executor, row: NewReportRow): Promise<void> {
  await db.insertInto('reports').values(row).execute();
}

export async function updateReport(db: Executor, id: string, change: ReportUpdate): Promise<void> {
  await db.updateTable('reports').set(change).where('id', '=', id).execute();
}

// Each deleted row also moves the report's kept counts (a trigger): 2,000 rows keep a batch well under the stall bound.
const DELETE_BATCH = 2000;

/**
 * Deletes a report and its rows, the rows a batch at a time with the event loop served between: one
 * statement over a million rows (zeroed by secure_delete) would hold every other request for seconds.
 * The report is first made invisible ('importing'), so its owner never sees it half gone and a
 * start-up after a crash meanwhile finishes the deletion (deleteUnfinishedImports).
 */
export async function deleteReportInBatches(db: Db, id: string): Promise<void> {
  await db.updateTable('reports').set({ state: 'importing' }).where('id', '=', id).execute();
  for (;;) {
    const result = await db
      .deleteFrom('report_items')
      .where('id', 'in', (eb) => eb.selectFrom('report_items').select('id').where('report_id', '=', id).limit(DELETE_BATCH))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) < DELETE_BATCH) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await db.deleteFrom('reports').where('id', '=', id).execute();
}

export async function listReportIdsOfUser(db: Executor, userId: number): Promise<string[]> {
  return (await db.selectFrom('reports').select('id').where('user_id', '=', userId).execute()).map((r) => r.id);
}

export async function findReportForUser(db: Executor, id: string, userId: number): Promise<ReportRow | undefined> {
  return db
    .selectFrom('reports')
    .selectAll()
    .where('id', '=', id)
    .where('user_id', '=', userId)
    .where('state', '!=', 'importing')
    .executeTakeFirst();
}

export async function listReportsForUser(db: Executor, userId: number, filter: ReportListFilter, limit: number, offset: number): Promise<ReportRow[]> {
  return db
    .selectFrom('reports')
    .selectAll()
    .where((eb) => listedFor(db, eb, userId, filter))
    .$if(filter.sort === 'name', (q) => q.orderBy('name'))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countReportsForUser(db: Executor, userId: number, filter: ReportListFilter): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => listedFor(db, eb, userId, filter))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The user's visible reports matching a name search and a status, where status follows summarise() in report-summary.ts. */
function listedFor(db: Executor, eb: ExpressionBuilder<Database, 'reports'>, userId: number, filter: ReportListFilter): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [eb('user_id', '=', userId), eb('state', '!=', 'importing')];
  if (filter.q !== '') conditions.push(likeOn(db)('name', `%${likeLiteral(filter.q)}%`));
  if (filter.status === 'completed') conditions.push(eb('state', '=', 'completed'));
  else if (filter.status) {
    // Running once any row has an answer: from the kept counts, one row a report.
    const answered = eb.exists(
      eb
        .selectFrom('report_counts as c')
        .select('c.report_id')
        .whereRef('c.report_id', '=', 'reports.id')
        .where(sql<SqlBool>`c.total - c.invalid - c.pending > 0`),
    );
    conditions.push(eb('state', '=', 'active'), filter.status === 'running' ? answered : eb.not(answered));
  }
  return eb.and(conditions);
}

export type { VerdictCounts };

/** Rows per verdict for each report, as the database keeps them (report_counts): one row a report. */
export async function countVerdicts(db: Executor, reportIds: string[]): Promise<Map<string, VerdictCounts>> {
  return readVerdictCounts(db, reportIds);
}

/**
 * A report's rows that pass the filter: through (report_id, verdict) for a few verdicts; a search
 * (report-search.repository.ts) is a union of index ranges, the start of the input, the value looked
 * up (a domain or IP as well as a hash), the file's hashes or its name, over the report's own rows
 * only. With `cap`, a search reads at most `cap` entries of each range.
 */
export function matching(db: Executor, eb: ExpressionBuilder<Database, 'report_items'>, reportId: string, filter: ItemFilter, cap?: number): Expression<SqlBool> {
  // A search's ids are the report's own (its ranges hold the report and the verdicts): the rows are
  // read by id alone, so no planner walks the report's (report_id, line) entries for the order instead.
  if (filter.q.trim() !== '') return searchMatches(db, eb, reportId, filter, cap);
  const conditions: Expression<SqlBool>[] = [eb('report_id', '=', reportId)];
  if (filter.verdict.length > 0) conditions.push(eb('verdict', 'in', filter.verdict));
  return eb.and(conditions);
}

/** Most severe first for a sort by verdict; not found before clean, since VirusTotal not knowing a file proves nothing. */
const severity = (eb: ExpressionBuilder<Database, 'report_items'>) =>
  eb
    .case()
    .when('verdict', '=', 'malicious').then(0)
    .when('verdict', '=', 'suspicious').then(1)
    .when('verdict', '=', 'error').then(2)
    .when('verdict', '=', 'not_found').then(3)
    .when('verdict', '=', 'pending').then(4)
    .when('verdict', '=', 'not_suspicious').then(5)
    .when('verdict', '=', 'clean').then(6)
    .else(7)
    .end();

/** One page of a search's rows, by OFFSET among its matches (with `cap`, among those the capped ranges read); `reads` may run it off the main thread. */
export async function listItems(db: Executor, reportId: string, filter: ItemFilter, sort: ItemSort, limit: number, offset: number, reads: QueryRunner = onConnection(db), cap?: number): Promise<ReportItemRow[]> {
  let query = db.selectFrom('report_items').selectAll().where((eb) => matching(db, eb, reportId, filter, cap));
  // Rows without an answer (NULL) come after those with one; SQLite does so for DESC by itself, PostgreSQL is told.
  const desc = databaseDialect(db) === 'postgres' ? (ob: OrderByItemBuilder) => ob.desc().nullsLast() : (ob: OrderByItemBuilder) => ob.desc();
  if (sort === 'verdict') query = query.orderBy(severity);
  if (sort === 'detections' || sort === 'verdict') query = query.orderBy('malicious', desc).orderBy('suspicious', desc);
  if (sort === 'last_analysis') query = query.orderBy('last_analysis_date', desc);
  return reads.all(query.orderBy('line').limit(limit).offset(offset).compile());
}

/**
 * Reads rows `batch` at a time after the last id seen, so a long read never holds the connection.
 * Once `signal` is aborted (the download's client left) it reads no further batch.
 */
async function* inBatches<R extends { id: number }>(batch: number, read: (afterId: number) => Promise<R[]>, signal?: AbortSignal): AsyncGenerator<R> {
  let after = 0;
  for (;;) {
    if (signal?.aborted) return;
    const rows = await read(after);
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = last.id;
  }
}

/**
 * Rows through a server-side cursor (PostgreSQL, pg-cursor), `batch` at a time, on one connection
 * for the whole read; once `signal` is aborted the cursor is closed.
 */
async function* throughCursor<R>(rows: AsyncIterable<R>, signal?: AbortSignal): AsyncGenerator<R> {
  for await (const row of rows) {
    if (signal?.aborted) return;
    yield row;
  }
}

/** A report's rows that pass the filter, in line order, for streamed exports. */
export function iterateItems(db: Executor, reportId: string, filter = EVERY_ROW, signal?: AbortSignal, batch = 1000): AsyncGenerator<ReportItemRow> {
  const rows = db.selectFrom('report_items').selectAll().where((eb) => matching(db, eb, reportId, filter));
  if (databaseDialect(db) === 'postgres') return throughCursor(rows.orderBy('id').stream(batch), signal);
  return inBatches(batch, (after) => rows.where('id', '>', after).orderBy('id').limit(batch).execute(), signal);
}

/**
 * One kind of hash of each row that passes the filter, in line order. A row VirusTotal did not
 * answer still has the hash it was uploaded as; rows with no hash of that kind give nothing.
 * `value` gives the domain or IP of each domain and IP row, answered or not.
 */
export async function* iterateHashes(db: Executor, reportId: string, filter: ItemFilter, kind: ListKind, signal?: AbortSignal, batch = 5000): AsyncGenerator<string> {
  const value =
    kind === 'value'
      ? sql<string | null>`CASE WHEN hash_type IN ('domain', 'ip') THEN hash END`
      : sql<string | null>`coalesce(${sql.ref(kind)}, CASE WHEN hash_type = ${kind} THEN hash END)`;
  const query = db.selectFrom('report_items').select(['id', value.as('value')]).where((eb) => matching(db, eb, reportId, filter));
  const rows =
    databaseDialect(db) === 'postgres'
      ? throughCursor(query.orderBy('id').stream(batch), signal)
      : inBatches(batch, (after) => query.where('id', '>', after).orderBy('id').limit(batch).execute(), signal);
  for await (const row of rows) if (row.value) yield row.value;
}

export async function hasPendingItems(db: Executor, reportId: string): Promise<boolean> {
  return hasPendingRows(db, reportId);
}

export async function findActiveReports(db: Executor, ids: string[]): Promise<Pick<ReportRow, 'id' | 'notify_email'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('reports').select(['id', 'notify_email']).where('id', 'in', ids).where('state', '=', 'active').execute();
}

export async function listActiveReportIds(db: Executor): Promise<string[]> {
  return (await db.selectFrom('reports').select('id').where('state', '=', 'active').execute()).map((r) => r.id);
}

/** Reports left half-written by a crash during upload; the user never got a link to them. */
export async function deleteUnfinishedImports(db: Executor): Promise<number> {
  const result = await db.deleteFrom('reports').where('state', '=', 'importing').executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** How many rows pass the filter: from the kept counts, unless it searches (then every match is read: see countItemsUpTo). */
export async function countItems(db: Executor, reportId: string, filter = EVERY_ROW, reads: QueryRunner = onConnection(db)): Promise<number> {
  if (filter.q === '') return countRowsWithVerdicts(db, reportId, filter.verdict);
  const [row] = await reads.all(
    db
      .selectFrom('report_items')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => matching(db, eb, reportId, filter))
      .compile(),
  );
  return Number(row?.n ?? 0);
}

/** How many rows pass the filter, counting no further than `limit`: enough to tell a file over a cap. */
export async function countItemsUpTo(db: Executor, reportId: string, filter: ItemFilter, limit: number, reads: QueryRunner = onConnection(db)): Promise<number> {
  const [row] = await reads.all(
    db
      .selectFrom((eb) => eb.selectFrom('report_items').select('id').where((w) => matching(db, w, reportId, filter, limit)).limit(limit).as('capped'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .compile(),
  );
  return Number(row?.n ?? 0);
}

/** One row of a report; the caller has already checked the report is the user's. */
/** The report's row at `line` (one row a line: the report_items_report_line index). */
export async function findItemByLine(db: Executor, reportId: string, line: number): Promise<ReportItemRow | undefined> {
  return db.selectFrom('report_items').selectAll().where('report_id', '=', reportId).where('line', '=', line).executeTakeFirst();
}

/** A report and its owner's address, for files made on the owner's behalf (the completion email's PDF). */
export async function findReportWithOwner(db: Executor, id: string): Promise<(ReportRow & { owner_email: string }) | undefined> {
  return db
    .selectFrom('reports')
    .innerJoin('users', 'users.id', 'reports.user_id')
    .selectAll('reports')
    .select('users.email as owner_email')
    .where('reports.id', '=', id)
    .executeTakeFirst();
}
