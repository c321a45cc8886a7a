import { Piscina } from 'piscina';
import { waitingWriters } from '../shared/sqlite-patience.js';
import type { StoreOutcome, StoreTask } from './report-import-steps.js';

/** What report-import.worker.ts is given: the task, the file, and this process's count of waiting writers. */
export interface WriterData {
  databasePath: string;
  task: StoreTask;
  waiting: Int32Array;
}

export type WriterReply = { outcome: StoreOutcome } | { error: { message: string; stack?: string } };

/**
 * Runs an upload's writes (storeRows) on a thread of its own, with its own connection to the SQLite
 * file: a million-line upload keeps a connection busy for a minute, and on the main thread that
 * minute would be every other user's too. The thread starts for the upload and ends with it (a pool
 * of one, for piscina's loading of the worker under tsx and compiled alike).
 */
export async function storeRowsOnThread(databasePath: string, task: StoreTask): Promise<StoreOutcome> {
  // As for the lookup and read pools: under tsx the module is the .ts source, compiled it is .js.
  const isTs = import.meta.url.endsWith('.ts');
  const url = new URL(`./report-import.worker${isTs ? '.ts' : '.js'}`, import.meta.url);
  const needsLoader = isTs && !process.execArgv.some((a) => a.includes('tsx'));
  const pool = new Piscina<WriterData, WriterReply>({
    filename: url.href,
    minThreads: 1,
    maxThreads: 1,
    ...(needsLoader ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}),
  });
  try {
    // The list's bytes are moved to the thread, not copied (77 MB for a million lines), when they own
    // their whole memory: moving a slice would take its neighbours with it. The caller reads them no more.
    const { content } = task;
    const movable = content.byteOffset === 0 && content.byteLength === content.buffer.byteLength && !(content.buffer instanceof SharedArrayBuffer);
    const reply = await pool.run({ databasePath, task, waiting: waitingWriters }, movable ? { transferList: [content.buffer as ArrayBuffer] } : {});
    if ('outcome' in reply) return reply.outcome;
    // The worker's error, as it said it (a message travels; its class does not).
    throw Object.assign(new Error(reply.error.message), reply.error.stack ? { stack: reply.error.stack } : {});
  } finally {
    await pool.close();
  }
}
