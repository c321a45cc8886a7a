import type { Db } from '../shared/database.js';
import { queueReportRows } from '../lookups/lookup-queue.js';
import { parseList, type ParsedLine } from './list-parser.js';
import { breather } from './list-lines.js';
import { countImportedRows, insertParsedLines, lastLineOfReport, wantsCompletionEmail } from './report-import.repository.js';
import * as reports from './report.repository.js';

// The stored part of an upload, run where its writes cost nobody: in a worker thread with a connection
// of its own on a SQLite file (report-import-thread.ts), in the caller's thread otherwise.

export interface StoreTask {
  reportId: string;
  content: Uint8Array;
  cacheTtlMs: number;
  /** When the import started: the cache's limit and the report's completion time come from it. */
  now: number;
}

export interface StoreOutcome {
  lookups: number;
  rows: number;
  /** Whether the cache answered every row; null when nothing was made visible (no value to look up). */
  completed: boolean | null;
  writtenMs: number;
  finalisedMs: number;
}

/** Where the writes run, and what they owe the other writers. */
export interface StorePace {
  /** About how long one write transaction may take (each is sized from the last one's time). */
  transactionMs: number;
  /**
   * The same for the finalise's transactions, which cannot be cut short. Each commit writes every page
   * it touched of the random hash-keyed indexes (the jobs' among them) again, so short ones multiply
   * the writes: 100 ms ones made a million-line finalise 7 times longer (docs/figures.md).
   */
  finaliseMs: number;
  /** Rows per write transaction, at most. */
  maxRows: number;
  /** Asked between transactions: lets other work (or other writers) go. */
  between: () => Promise<void>;
  /** Asked during a write batch: true ends its transaction early, as another writer waits for the lock. */
  othersWait?: () => boolean;
}

/** Rows of the first write batch and lines of the first finalise chunk, before their times are known. */
const FIRST_BATCH = 1000;
const FIRST_CHUNK = 5000;
const MAX_CHUNK = 1_000_000;

/** The next size, scaled so the next transaction takes about `targetMs` (at most doubling). */
function nextSize(size: number, tookMs: number, targetMs: number, max: number): number {
  const scaled = Math.floor((size * targetMs) / Math.max(tookMs, 1));
  return Math.max(100, Math.min(max, size * 2, scaled));
}

/**
 * Writes the rows in short transactions while the report is invisible, then, unless it holds no value
 * to look up, answers what the cache knows and queues the rest in short transactions over line ranges,
 * and makes the report visible in a last one.
 */
export async function storeRows(db: Db, task: StoreTask, pace: StorePace): Promise<StoreOutcome> {
  const started = performance.now();
  const content = Buffer.from(task.content.buffer, task.content.byteOffset, task.content.byteLength);
  const { lookups, rows } = await writeRows(db, task.reportId, parseList(content), task.now - task.cacheTtlMs, pace);
  const written = performance.now();
  if (lookups === 0) return { lookups, rows, completed: null, writtenMs: written - started, finalisedMs: 0 };
  const completed = await finalise(db, task, pace);
  return { lookups, rows, completed, writtenMs: written - started, finalisedMs: performance.now() - written };
}

/**
 * Parses and stores the rows. A line costs little (long ones are cut before any parsing), but a batch
 * of them adds up: the thread gets a turn whenever parsing has run a few milliseconds, and after each
 * batch's transaction.
 */
async function writeRows(db: Db, reportId: string, lines: Iterable<ParsedLine>, answersFreshAfter: number, pace: StorePace) {
  const pause = breather();
  let lookups = 0;
  let rows = 0;
  let size = FIRST_BATCH;
  let batch: ParsedLine[] = [];
  const flush = async () => {
    const began = performance.now();
    const written = await insertParsedLines(db, reportId, batch, answersFreshAfter, pace.othersWait);
    // A batch cut short (another writer waited) says nothing of the next one's size.
    if (written === batch.length) size = nextSize(size, performance.now() - began, pace.transactionMs, pace.maxRows);
    batch = batch.slice(written);
    await pace.between();
  };
  for (const row of lines) {
    rows++;
    if (row.kind === 'lookup') lookups++;
    batch.push(row);
    if (batch.length >= size) await flush();
    else if (rows % 256 === 0) await pause();
  }
  while (batch.length > 0) await flush();
  return { lookups, rows };
}

/**
 * Cache hits answered and jobs queued a range of lines at a time. A crash between two leaves an
 * invisible report that start-up deletes; the jobs it queued are never run for it (only visible
 * reports' jobs are dispatched) and go with the hourly clean-up of jobs no row waits for.
 */
async function finalise(db: Db, task: StoreTask, pace: StorePace): Promise<boolean> {
  const { reportId, cacheTtlMs, now } = task;
  const last = await lastLineOfReport(db, reportId);
  let size = FIRST_CHUNK;
  for (let from = 1; from <= last; ) {
    const lines = { from, to: from + size - 1 };
    const began = performance.now();
    await db.transaction().execute((trx) => queueReportRows(trx, reportId, cacheTtlMs, now, lines));
    size = nextSize(size, performance.now() - began, pace.finaliseMs, MAX_CHUNK);
    from = lines.to + 1;
    await pace.between();
  }
  return db.transaction().execute(async (trx) => {
    await countImportedRows(trx, reportId);
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
