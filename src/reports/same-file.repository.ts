import type { Executor } from '../shared/database.js';
import { onConnection, type QueryRunner } from '../shared/read-pool.js';

// One file under several names in a report: VirusTotal's answer gives every row its file's SHA-256,
// whichever hash the row was uploaded as, so rows sharing a SHA-256 are one file.

/**
 * Per report, the rows whose answer names a file an earlier row already names: answered rows with a
 * SHA-256, less the distinct SHA-256s. Read through the partial (report_id, sha256) index alone.
 */
export async function countSameFileRows(db: Executor, reportIds: string[], reads: QueryRunner = onConnection(db)): Promise<Map<string, number>> {
  const result = new Map<string, number>(reportIds.map((id) => [id, 0]));
  if (reportIds.length === 0) return result;
  const rows = await reads.all(
    db
      .selectFrom('report_items')
      .select(['report_id', (eb) => eb.fn.count<number>('sha256').as('answered'), (eb) => eb.fn.count<number>('sha256').distinct().as('files')])
      .where('report_id', 'in', reportIds)
      .where('sha256', 'is not', null)
      .groupBy('report_id')
      .compile(),
  );
  for (const row of rows) result.set(row.report_id, Number(row.answered) - Number(row.files));
  return result;
}

/**
 * For rows of one report that name a file an earlier row names, the first line naming it, by line;
 * only the `sha256`s asked for (a page's), each found through the (report_id, sha256) index.
 */
export async function findFirstLinesOfFiles(db: Executor, reportId: string, sha256s: string[]): Promise<Map<string, number>> {
  if (sha256s.length === 0) return new Map();
  const rows = await db
    .selectFrom('report_items')
    .select(['sha256', (eb) => eb.fn.min<number>('line').as('first')])
    .where('report_id', '=', reportId)
    .where('sha256', 'in', [...new Set(sha256s)])
    .groupBy('sha256')
    .execute();
  return new Map(rows.flatMap((row) => (row.sha256 ? [[row.sha256, Number(row.first)] as const] : [])));
}
