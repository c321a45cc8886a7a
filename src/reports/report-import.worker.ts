import { openDatabase } from '../shared/database.js';
import { giveWayToWaitingWriters } from '../shared/sqlite-patience.js';
import type { WriterData, WriterReply } from './report-import-thread.js';
import { storeRows } from './report-import-steps.js';

/**
 * How long one of this thread's write transactions may take, and its most rows. Far longer than on
 * the main thread: a commit writes every page it touched of the random hash-keyed indexes again, so
 * short transactions multiply the writes (200,000 lines: 9.6 s written with 250 ms ones, 5.8 s with
 * these), and nobody waits for them: readers never do in WAL mode, and a main-thread writer that waits
 * ends the batch within 128 rows (othersWait).
 */
const TRANSACTION_MS = 1000;
const MAX_ROWS = 50_000;

/**
 * The finalise's transactions, which cannot be cut short: main-thread writers (never readers) may wait
 * this long for one, on timers, the event loop free. Shorter ones rewrote the jobs' index pages many times over.
 */
const FINALISE_MS = 1000;

/**
 * One upload's writes on this thread's own connection (report-import-thread.ts starts the thread and
 * calls this once). The thread may wait for the lock in SQLite's busy handler (blockOnLocks): nobody
 * else runs on it. Between two of its transactions it lets main-thread writers that wait go first.
 */
export default async function writeUpload({ databasePath, task, waiting }: WriterData): Promise<WriterReply> {
  const { db, close } = openDatabase(databasePath, { blockOnLocks: true });
  try {
    const outcome = await storeRows(db, task, {
      transactionMs: TRANSACTION_MS,
      finaliseMs: FINALISE_MS,
      maxRows: MAX_ROWS,
      between: async () => {
        giveWayToWaitingWriters(waiting);
        await new Promise((resolve) => setImmediate(resolve));
      },
      othersWait: () => Atomics.load(waiting, 0) > 0,
    });
    return { outcome };
  } catch (err) {
    return { error: err instanceof Error ? { message: err.message, ...(err.stack ? { stack: err.stack } : {}) } : { message: String(err) } };
  } finally {
    await close();
  }
}
