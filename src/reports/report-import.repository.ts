import { withRawConnection, type Db, type Executor } from '../shared/database.js';
import type { ParsedLine } from './list-parser.js';

/** Rows removed per statement when an import is undone: one DELETE of a million rows would hold the app for seconds. */
const DELETE_BATCH = 5000;

// The upload's writes. Rows go in through prepared statements on the raw handle (the measured hot path
// of a million-line upload), one transaction per batch, taken between other callers' transactions.

/** Writes one batch of parsed lines as the report's rows; a repeated line number is ignored. */
export async function insertParsedLines(db: Db, reportId: string, batch: readonly ParsedLine[]): Promise<void> {
  await withRawConnection(db, (sqlite) => {
    const insert = sqlite.prepare(
      `INSERT OR IGNORE INTO report_items (report_id, line, input, hash, hash_type, status, verdict)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    sqlite.transaction(() => {
      for (const row of batch) {
        if (row.kind === 'lookup') insert.run(reportId, row.line, row.input, row.value, row.type, 'pending', 'pending');
        else insert.run(reportId, row.line, row.input, null, null, 'invalid', 'invalid');
      }
    })();
  });
}

export async function wantsCompletionEmail(db: Executor, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('reports').select('notify_email').where('id', '=', reportId).executeTakeFirstOrThrow();
  return row.notify_email === 1;
}

/** Removes a report that failed to import, its rows a batch at a time with the event loop served between. */
export async function deleteImportedReport(db: Db, reportId: string): Promise<void> {
  for (;;) {
    const result = await db
      .deleteFrom('report_items')
      .where('id', 'in', (eb) => eb.selectFrom('report_items').select('id').where('report_id', '=', reportId).limit(DELETE_BATCH))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) < DELETE_BATCH) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await db.deleteFrom('reports').where('id', '=', reportId).execute();
}
