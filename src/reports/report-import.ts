import { randomBytes } from 'node:crypto';
import { databaseDialect, sqliteFileOf, type Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import { cleanText } from '../shared/text.js';
import { unreadableReason } from './list-parser.js';
import { countRows } from './list-lines.js';
import { storeRows } from './report-import-steps.js';
import { storeRowsOnThread } from './report-import-thread.js';
import * as reports from './report.repository.js';
import { tidyAfterImport, TIDY_AFTER_ROWS } from './report-tidy.js';

export interface ImportInput {
  userId: number;
  name: string;
  notify: boolean;
  /** The list. Consumed: on a SQLite file a big list's bytes are moved to the writer thread, and empty here afterwards. */
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

/**
 * A list this big (about 4,000 SHA-256 lines) is written on a thread of its own on SQLite. A smaller one
 * is written here: its few short transactions cost the event loop less than starting a thread costs it.
 */
const OFF_THREAD_BYTES = 256 * 1024;

const aTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** SQLite on the caller's thread: every transaction holds its event loop, so they stay short, with a turn for others after each. */
const IN_THREAD = { transactionMs: 50, finaliseMs: 50, maxRows: 5000, between: aTurn };
/** PostgreSQL: the server does the work and the event loop is free meanwhile; write batches of 5,000 rows (20,000 gained nothing). */
const ON_SERVER = { transactionMs: Number.POSITIVE_INFINITY, finaliseMs: 1000, maxRows: 5000, between: aTurn };

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
 * 2. write rows in short transactions while the report is invisible (on PostgreSQL those the cache
 *    answers, fetched inside the TTL, with their answer);
 * 3. answer what the cache has learnt since and queue one job per distinct remaining value, a range of
 *    lines per transaction, then make the report visible in a last one. A crash before that leaves an
 *    invisible report that start-up deletes.
 * Steps 2 and 3 of a big list run on a thread of their own on a SQLite file (report-import-thread.ts).
 */
export async function importHashList(deps: ImportDeps, input: ImportInput): Promise<{ reportId: string; completed: boolean }> {
  let stepStart = performance.now();
  const step = (name: 'checked' | 'written' | 'finalised', ms = performance.now() - stepStart) => {
    deps.onStep?.(name, ms);
    stepStart = performance.now();
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
    const task = { reportId, content: input.content, cacheTtlMs: deps.cacheTtlMs, now };
    const file = input.content.length >= OFF_THREAD_BYTES ? sqliteFileOf(deps.db) : null;
    const stored = file ? await storeRowsOnThread(file, task) : await storeRows(deps.db, task, databaseDialect(deps.db) === 'postgres' ? ON_SERVER : IN_THREAD);
    if (stored.completed === null) {
      throw new ValidationError(
        stored.rows === 0 ? 'The list is empty: every line is blank.' : 'No valid hash, domain or IP address was found in the list.',
        { file: 'No valid hash, domain or IP address found.' },
      );
    }
    step('written', stored.writtenMs);
    step('finalised', stored.finalisedMs);
    // A big import leaves PostgreSQL's statistics and visibility map behind: the statistics are refreshed
    // before the redirect, so the first page is planned on them; the visibility map after it (report-tidy.ts).
    if (stored.rows >= TIDY_AFTER_ROWS) await tidyAfterImport(deps.db);
    return { reportId, completed: stored.completed };
  } catch (err) {
    await reports.deleteReportInBatches(deps.db, reportId);
    throw err;
  }
}
