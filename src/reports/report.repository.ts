import { sql, type Transaction } from 'kysely';
import type { Db } from '../shared/database.js';
import type { Database } from '../shared/schema.js';
import type { NewReportRow, ReportItemRow, ReportRow, ReportUpdate, Verdict } from './report.table.js';

type Executor = Db | Transaction<Database>;

// Every query that reads a report for a person takes their user id: ownership is part of the query.

export async function insertReport(db: Executor, row: NewReportRow): Promise<void> {
  await db.insertInto('reports').values(row).execute();
}

export async function updateReport(db: Executor, id: string, change: ReportUpdate): Promise<void> {
  await db.updateTable('reports').set(change).where('id', '=', id).execute();
}

export async function deleteReport(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('reports').where('id', '=', id).execute();
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

export async function listReportsForUser(db: Executor, userId: number, limit: number, offset: number): Promise<ReportRow[]> {
  return db
    .selectFrom('reports')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', '!=', 'importing')
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
}

export async function countReportsForUser(db: Executor, userId: number): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('state', '!=', 'importing')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type VerdictCounts = Partial<Record<Verdict, number>>;

/** Rows per verdict for each report, in one grouped query. */
export async function countVerdicts(db: Executor, reportIds: string[]): Promise<Map<string, VerdictCounts>> {
  const result = new Map<string, VerdictCounts>(reportIds.map((id) => [id, {}]));
  if (reportIds.length === 0) return result;
  const rows = await db
    .selectFrom('report_items')
    .select(['report_id', 'verdict', (eb) => eb.fn.countAll<number>().as('n')])
    .where('report_id', 'in', reportIds)
    .groupBy(['report_id', 'verdict'])
    .execute();
  for (const row of rows) {
    const counts = result.get(row.report_id);
    if (counts) counts[row.verdict] = Number(row.n);
  }
  return result;
}

export async function listItems(db: Executor, reportId: string, limit: number, offset: number): Promise<ReportItemRow[]> {
  return db.selectFrom('report_items').selectAll().where('report_id', '=', reportId).orderBy('id').limit(limit).offset(offset).execute();
}

/** Reads a report's rows in id order, `batch` at a time, for streamed exports. */
export async function* iterateItems(db: Executor, reportId: string, batch = 1000): AsyncGenerator<ReportItemRow> {
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('report_items')
      .selectAll()
      .where('report_id', '=', reportId)
      .where('id', '>', after)
      .orderBy('id')
      .limit(batch)
      .execute();
    yield* rows;
    const last = rows.at(-1);
    if (!last || rows.length < batch) return;
    after = last.id;
  }
}

export async function hasPendingItems(db: Executor, reportId: string): Promise<boolean> {
  const row = await db
    .selectFrom('report_items')
    .select('id')
    .where('report_id', '=', reportId)
    // verdict mirrors status for pending rows, and (report_id, verdict) is indexed.
    .where('verdict', '=', 'pending')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function findActiveReports(db: Executor, ids: string[]): Promise<Pick<ReportRow, 'id' | 'notify_email'>[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('reports').select(['id', 'notify_email']).where('id', 'in', ids).where('state', '=', 'active').execute();
}

/** Reports left half-written by a crash during upload; the user never got a link to them. */
export async function deleteUnfinishedImports(db: Executor): Promise<number> {
  const result = await db.deleteFrom('reports').where('state', '=', 'importing').executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function countItems(db: Executor, reportId: string): Promise<number> {
  const row = await sql<{ n: number }>`SELECT count(*) AS n FROM report_items WHERE report_id = ${reportId}`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

/** One row of a report; the caller has already checked the report is the user's. */
export async function findItem(db: Executor, reportId: string, itemId: number): Promise<ReportItemRow | undefined> {
  return db.selectFrom('report_items').selectAll().where('report_id', '=', reportId).where('id', '=', itemId).executeTakeFirst();
}
