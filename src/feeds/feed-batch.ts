import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Db, Executor } from '../shared/database.js';
import type { Thresholds } from '../lookups/verdict.js';
import type { FeedType } from './feed.table.js';
import { requestFeedBatch } from './feed-download.js';
import { GarbledBatchError, groupLines, parseFeedLine, readLines } from './feed-lines.js';
import { answerPendingRows } from './feed-pending.repository.js';
import { storeFeedLines, summariseFeedLine, type StoredLine } from './feed-store.repository.js';

export interface BatchDeps {
  db: Db;
  apiUrl: string;
  apiKey: string;
  thresholds: Thresholds;
  cacheTtlMs: number;
  /** Lines stored per transaction, and about how many characters: what one write holds in memory. */
  groupLines: number;
  groupBytes: number;
  /** The bzip2 program batches are decompressed by (VT_FEED_BZIP2). */
  bzip2: string;
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
  const answer = await requestFeedBatch({ apiUrl: deps.apiUrl, apiKey: deps.apiKey, feed, minute, bzip2: deps.bzip2, ...(deps.signal ? { signal: deps.signal } : {}) });
  if (answer.kind !== 'batch') return answer;
  let line = fromLine;
  let objects = 0;
  try {
    for await (const group of groupLines(linesFrom(answer.body, fromLine), deps.groupLines, deps.groupBytes)) {
      const parsed = await prepareGroup(feed, group, line + 1);
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
    // Destroying the body kills the bzip2 program; its close waits until the program is reaped.
    answer.body.destroy();
    await finished(answer.body).catch(() => undefined);
    if (err instanceof GarbledBatchError) return { kind: 'garbled', reason: err.message, line };
    return { kind: 'transient', reason: `batch ${minute} broke off at line ${line}: ${(err as Error).message}` };
  }
  return { kind: 'done', objects, ms: deps.now() - started };
}

const gzipped = promisify(gzip);
/** Characters of lines parsed between turns of the event loop: a millisecond or two of JSON.parse. */
const PARSE_SLICE_CHARS = 256 * 1024;

/**
 * A group's lines parsed (`firstLine` is the first one's number), summarised and their answers
 * compressed as lookups store them, before any transaction: parsing takes turns with requests a
 * slice at a time, gzip runs on zlib's thread pool, and each parsed object is dropped as soon as it
 * is summarised (it dies young, instead of being held through the writes).
 */
async function prepareGroup(feed: FeedType, texts: string[], firstLine: number): Promise<StoredLine[]> {
  const lines: Promise<StoredLine>[] = [];
  let sinceTurn = 0;
  for (const [i, text] of texts.entries()) {
    if (sinceTurn >= PARSE_SLICE_CHARS) {
      await nextTurn();
      sinceTurn = 0;
    }
    const parsed = parseFeedLine(feed, text, firstLine + i);
    const summary = summariseFeedLine(feed, parsed);
    lines.push(gzipped(parsed.answerText, { level: 4 }).then((answerGzip) => ({ ...summary, answerGzip })));
    sinceTurn += text.length;
  }
  return Promise.all(lines);
}

/** The batch's lines after the first `skip` (already stored before a restart). */
async function* linesFrom(body: Readable, skip: number): AsyncGenerator<string> {
  let index = 0;
  for await (const line of readLines(body)) {
    if (index++ >= skip) yield line;
  }
}
