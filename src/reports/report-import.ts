import { randomBytes } from 'node:crypto';
import type SQLite from 'better-sqlite3';
import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import { enqueuePendingOfReport } from '../lookups/job.repository.js';
import { resolvePendingFromCache } from '../lookups/row-resolution.repository.js';
import { parseList, unreadableReason, type ParsedLine } from './list-parser.js';
import * as reports from './report.repository.js';

export interface ImportInput {
  userId: number;
  name: string;
  notify: boolean;
  content: Buffer;
}

export interface ImportDeps {
  db: Db;
  sqlite: SQLite.Database;
  cacheTtlMs: number;
  now?: () => number;
}

/** Rows written per transaction; between batches the event loop serves other requests. */
const BATCH = 5000;

/** Random, unguessable report ids (not sequential): 16 bytes, base64url. */
export const newReportId = () => randomBytes(16).toString('base64url');

/**
 * Turns an uploaded list into a report whose every row is on disk before this resolves:
 * 1. refuse unreadable input; 2. write rows in batched transactions while the report is invisible;
 * 3. in one transaction answer what the cache knows, queue one job per distinct remaining value,
 *    and make the report visible. A crash before step 3 leaves an invisible report that start-up deletes.
 */
export async function importHashList(deps: ImportDeps, input: ImportInput): Promise<{ reportId: string; completed: boolean }> {
  const reason = unreadableReason(input.content);
  if (reason) throw new ValidationError(reason, { file: reason });
  const now = (deps.now ?? Date.now)();
  const reportId = newReportId();
  await reports.insertReport(deps.db, {
    id: reportId,
    user_id: input.userId,
    name: input.name,
    state: 'importing',
    created_at: now,
    notify_email: input.notify ? 1 : 0,
    email_status: input.notify ? 'waiting' : null,
  });
  try {
    const { lookups, rows } = await writeRows(deps.sqlite, reportId, parseList(input.content));
    if (lookups === 0) {
      throw new ValidationError(
        rows === 0 ? 'The list is empty: every line is blank.' : 'No valid hash, domain or IP address was found in the list.',
        { file: 'No valid hash, domain or IP address found.' },
      );
    }
    const completed = await finalise(deps, reportId, now);
    return { reportId, completed };
  } catch (err) {
    await reports.deleteReport(deps.db, reportId);
    throw err;
  }
}

async function writeRows(sqlite: SQLite.Database, reportId: string, lines: Iterable<ParsedLine>) {
  const insert = sqlite.prepare(
    `INSERT OR IGNORE INTO report_items (report_id, line, input, hash, hash_type, status, verdict)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const writeBatch = sqlite.transaction((batch: ParsedLine[]) => {
    for (const row of batch) {
      if (row.kind === 'lookup') insert.run(reportId, row.line, row.input, row.value, row.type, 'pending', 'pending');
      else insert.run(reportId, row.line, row.input, null, null, 'invalid', 'invalid');
    }
  });
  let lookups = 0;
  let rows = 0;
  let batch: ParsedLine[] = [];
  for (const row of lines) {
    rows++;
    if (row.kind === 'lookup') lookups++;
    batch.push(row);
    if (batch.length >= BATCH) {
      writeBatch(batch);
      batch = [];
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (batch.length > 0) writeBatch(batch);
  return { lookups, rows };
}

async function finalise(deps: ImportDeps, reportId: string, now: number): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    await resolvePendingFromCache(trx, { reportId, freshAfter: now - deps.cacheTtlMs, fromCache: true, now });
    await enqueuePendingOfReport(trx, reportId, now);
    const total = await reports.countItems(trx, reportId);
    const pending = await reports.hasPendingItems(trx, reportId);
    const row = await trx.selectFrom('reports').select('notify_email').where('id', '=', reportId).executeTakeFirstOrThrow();
    await reports.updateReport(trx, reportId, {
      total,
      state: pending ? 'active' : 'completed',
      completed_at: pending ? null : now,
      ...(row.notify_email && !pending ? { email_status: 'pending' as const, email_next_at: now } : {}),
    });
    return !pending;
  });
}
