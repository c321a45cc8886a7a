import { withRawConnection, type Db, type Executor } from '../shared/database.js';
import type { ParsedLine } from './list-parser.js';

/** Rows removed per statement when an import is undone: one DELETE of a million rows would hold the app for seconds. */

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
