import { randomBytes } from 'node:crypto';
import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import { queueReportRows } from '../lookups/lookup-queue.js';
import { cleanText } from '../shared/text.js';
import { parseList, unreadableReason, type ParsedLine } from './list-parser.js';
import { breather, countRows } from './list-lines.js';
import { insertParsedLines, wantsCompletionEmail } from './report-import.repository.js';
import * as reports from './report.repository.js';
import { tidyAfterImport, TIDY_AFTER_ROWS } from './report-tidy.js';

export interface ImportInput {
  userId: number;
  name: string;
  notify: boolean;
  content: Buffer;
}

export interface ImportDeps {
  db: Db;
  cacheTtlMs: number;
  /** MAX_REPORT_ROWS: a longer list is refused before anything is stored; unset only for a re-run, a copy of a report already within it. */
  maxRows?: number;
  now?: () => number;
  /** Told how long each step took (npm run bench prints where an import's time goes). */
  onStep?: (step: 'checked' | 'written' | 'finalised', ms: number) => void;
}

/** Rows written per transaction, at most: a batch is also cut short when parsing it has taken long. */
const BATCH = 5000;

/** A report named after its file (an upload, a watched folder): control characters out, 200 characters at most; may be empty. */
export const reportNameOfFile = (fileName: string) => cleanText(fileName).slice(0, 200);

/** Random, unguessable report ids (not sequential): 16 bytes, base64url. */
export const newReportId = () => randomBytes(16).toString('base64url');

/** A list with more rows than MAX_REPORT_ROWS: refused whole, nothing stored. */
export class TooManyRowsError extends ValidationError {
  constructor(
    readonly limit: number,
    readonly rows: number,
  ) {
    const message = `The list has ${rows.toLocaleString('en')} lines; a report holds at most ${limit.toLocaleString('en')}. Split it into lists of ${limit.toLocaleString('en')} lines or fewer.`;
    super(message, { file: message });
  }
}

/**
 * Turns an uploaded list into a report whose every row is on disk before this resolves:
 * 1. refuse unreadable input and lists over the row limit (counted first, so nothing is stored);
 * 2. write rows in batched transactions while the report is invisible (on PostgreSQL those the
 *    cache answers, fetched inside the TTL, with their answer);
 * 3. in one transaction answer what the cache has learnt since, queue one job per distinct remaining value,
 *    and make the report visible. A crash before step 3 leaves an invisible report that start-up deletes.
 */
export async function importHashList(deps: ImportDeps, input: ImportInput): Promise<{ reportId: string; completed: boolean }> {
  let stepStart = performance.now();
  const step = (name: 'checked' | 'written' | 'finalised') => {
    const at = performance.now();
    deps.onStep?.(name, at - stepStart);
    stepStart = at;
  };
  const reason = await unreadableReason(input.content);
  if (reason) throw new ValidationError(reason, { file: reason });
  if (deps.maxRows !== undefined) {
    const rows = await countRows(input.content);
    if (rows > deps.maxRows) throw new TooManyRowsError(deps.maxRows, rows);
  }
  step('checked');
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
    const { lookups, rows } = await writeRows(deps.db, reportId, parseList(input.content), now - deps.cacheTtlMs);
    if (lookups === 0) {
      throw new ValidationError(
        rows === 0 ? 'The list is empty: every line is blank.' : 'No valid hash, domain or IP address was found in the list.',
        { file: 'No valid hash, domain or IP address found.' },
      );
    }
    step('written');
    const completed = await finalise(deps, reportId, now);
    step('finalised');
    // A big import leaves PostgreSQL's statistics and visibility map behind: the statistics are refreshed
    // before the redirect, so the first page is planned on them; the visibility map after it (report-tidy.ts).
    if (rows >= TIDY_AFTER_ROWS) await tidyAfterImport(deps.db);
    return { reportId, completed };
  } catch (err) {
    await reports.deleteReportInBatches(deps.db, reportId);
    throw err;
  }
}

/**
 * Parses and stores the rows. A line costs little (long ones are cut before any parsing), but a
 * batch of them adds up: the event loop gets a turn whenever parsing has run a few milliseconds,
 * and after each batch's transaction.
 */
async function writeRows(db: Db, reportId: string, lines: Iterable<ParsedLine>, answersFreshAfter: number) {
  const pause = breather();
  let lookups = 0;
  let rows = 0;
  let batch: ParsedLine[] = [];
  const flush = async () => {
    await insertParsedLines(db, reportId, batch, answersFreshAfter);
    batch = [];
    await new Promise((resolve) => setImmediate(resolve));
  };
  for (const row of lines) {
    rows++;
    if (row.kind === 'lookup') lookups++;
    batch.push(row);
    if (batch.length >= BATCH) await flush();
    else if (rows % 256 === 0) await pause();
  }
  if (batch.length > 0) await flush();
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
