import { randomBytes } from 'node:crypto';
import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import { queueReportRows } from '../lookups/lookup-queue.js';
import { cleanText } from '../shared/text.js';
import { parseList, unreadableReason, type ParsedLine } from './list-parser.js';
import { insertParsedLines, wantsCompletionEmail } from './report-import.repository.js';
import * as reports from './report.repository.js';

export interface ImportInput {
  userId: number;
  name: string;
  notify: boolean;
  content: Buffer;
}

export interface ImportDeps {
  db: Db;
  cacheTtlMs: number;
  now?: () => number;
}

/** Rows written per transaction; between batches the event loop serves other requests. */
const BATCH = 5000;

/** A report named after its file (an upload, a watched folder): control characters out, 200 characters at most; may be empty. */
export const reportNameOfFile = (fileName: string) => cleanText(fileName).slice(0, 200);

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
    const { lookups, rows } = await writeRows(deps.db, reportId, parseList(input.content));
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

async function writeRows(db: Db, reportId: string, lines: Iterable<ParsedLine>) {
  let lookups = 0;
  let rows = 0;
  let batch: ParsedLine[] = [];
  for (const row of lines) {
    rows++;
    if (row.kind === 'lookup') lookups++;
    batch.push(row);
    if (batch.length >= BATCH) {
      await insertParsedLines(db, reportId, batch);
      batch = [];
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (batch.length > 0) await insertParsedLines(db, reportId, batch);
  return { lookups, rows };
}

async function finalise(deps: ImportDeps, reportId: string, now: number): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    await queueReportRows(trx, reportId, deps.cacheTtlMs, now);
    const total = await reports.countItems(trx, reportId);
    const pending = await reports.hasPendingItems(trx, reportId);
    const notify = await wantsCompletionEmail(trx, reportId);
    await reports.updateReport(trx, reportId, {
      total,
      state: pending ? 'active' : 'completed',
      completed_at: pending ? null : now,
      ...(notify && !pending ? { email_status: 'pending' as const, email_next_at: now } : {}),
    });
    return !pending;
  });
}
