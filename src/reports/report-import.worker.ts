import { openDatabase } from '../shared/database.js';
import { giveWayToWaitingWriters } from '../shared/sqlite-patience.js';
import type { WriterData, WriterReply } from './report-import-thread.js';
import { storeRows } from './report-import-steps.js';

/**
 * How long one of this thread's transactions may take. Longer than on the main thread (nothing waits
 * for this thread's loop), as every commit writes each touched page of the random hash indexes again:
 * small transactions multiply the writes. A main-thread writer that waits ends a write batch early.
 */
const TRANSACTION_MS = 250;

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
