import type { Readable } from 'node:stream';
import type { Db, Executor } from '../shared/database.js';
import type { Thresholds } from '../lookups/verdict.js';
import type { FeedType } from './feed.table.js';
import { requestFeedBatch } from './feed-download.js';
import { GarbledBatchError, groupLines, parseFeedLine, readLines } from './feed-lines.js';
import { answerPendingRows } from './feed-pending.repository.js';
import { storeFeedLines } from './feed-store.repository.js';

export interface BatchDeps {
  db: Db;
  apiUrl: string;
  apiKey: string;
  thresholds: Thresholds;
  cacheTtlMs: number;
  /** Lines stored per transaction, and about how many characters: what one write holds in memory. */
  groupLines: number;
  groupBytes: number;
  now: () => number;
  /** After a transaction committed: reports whose pending rows a feed object answered. */
  onReportsTouched: (reportIds: string[]) => Promise<void>;
  signal?: AbortSignal;
}

export type BatchResult =
  | { kind: 'done'; objects: number; ms: number }
  | { kind: 'missing' }
  | { kind: 'not_yet' }
  | { kind: 'refused'; reason: string }
  | { kind: 'transient'; reason: string }
  /** The batch could not be read past `line` (lines before it are stored). */
  | { kind: 'garbled'; reason: string; line: number };

/** Moves the batch's cursor to `line`, in the transaction that stored the lines before it. */
export type CursorMove = (trx: Executor, line: number, objects: number) => Promise<void>;

/**
 * Reads one minute of a feed from line `fromLine` on: downloads and decompresses it as a stream, and
 * stores it a group of lines at a time, each group with its cursor move in one transaction. A kill at
 * any point leaves the cursor just after the last stored group: nothing is skipped or counted twice.
 */
export async function ingestBatch(deps: BatchDeps, feed: FeedType, minute: string, fromLine: number, moveCursor: CursorMove): Promise<BatchResult> {
  const started = deps.now();
  const answer = await requestFeedBatch({ apiUrl: deps.apiUrl, apiKey: deps.apiKey, feed, minute, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (answer.kind !== 'batch') return answer;
  let line = fromLine;
  let objects = 0;
  try {
    for await (const group of groupLines(linesFrom(answer.body, fromLine), deps.groupLines, deps.groupBytes)) {
      const parsed = group.map((text, i) => parseFeedLine(feed, text, line + i + 1));
      const now = deps.now();
      const touched = await deps.db.transaction().execute(async (trx) => {
        const changed = await storeFeedLines(trx, feed, parsed, now, deps.thresholds);
        await moveCursor(trx, line + group.length, group.length);
        return answerPendingRows(trx, changed, deps.cacheTtlMs, now);
      });
      line += group.length;
      objects += group.length;
      if (touched.length > 0) await deps.onReportsTouched(touched);
    }
  } catch (err) {
    answer.body.destroy();
    if (err instanceof GarbledBatchError) return { kind: 'garbled', reason: err.message, line };
    return { kind: 'transient', reason: `batch ${minute} broke off at line ${line}: ${(err as Error).message}` };
  }
  return { kind: 'done', objects, ms: deps.now() - started };
}

/** The batch's lines after the first `skip` (already stored before a restart). */
async function* linesFrom(body: Readable, skip: number): AsyncGenerator<string> {
  let index = 0;
  for await (const line of readLines(body)) {
    if (index++ >= skip) yield line;
  }
}
