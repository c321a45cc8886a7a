import { Piscina } from 'piscina';
import type { LookupOutcome, LookupTask } from './lookup.types.js';

export interface LookupRunner {
  run(task: LookupTask): Promise<LookupOutcome>;
  /** The pool has a live worker thread and is not closing. */
  alive(): boolean;
  close(): Promise<void>;
}

export interface LookupPoolOptions {
  threads?: number;
}

/**
 * A worker pool for VirusTotal lookups. The work is I/O-bound, so few threads with several
 * concurrent tasks each are enough; rate limiting stays on the main thread.
 */
export function createLookupPool(options: LookupPoolOptions = {}): LookupRunner {
  // Under tsx the module is the .ts source; compiled, it is .js next to a compiled worker.
  const isTs = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`./lookup.worker${isTs ? '.ts' : '.js'}`, import.meta.url);
  // Workers inherit execArgv; only add the tsx loader when the parent was not started with it.
  const needsLoader = isTs && !process.execArgv.some((a) => a.includes('tsx'));
  const maxThreads = Math.max(1, options.threads ?? 2);

  const pool = new Piscina<LookupTask, LookupOutcome>({
    filename: workerUrl.href,
    minThreads: 1,
    maxThreads,
    concurrentTasksPerWorker: 8,
    // piscina's default parks idle threads in Atomics.wait, freezing their event loop: the HTTP
    // client then never sees VirusTotal close an idle keep-alive connection, and the first request
    // after a quiet minute goes out on a dead socket (a reset). Message passing keeps the loop alive.
    atomics: 'disabled',
    ...(needsLoader ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}),
  });

  let closed = false;
  return {
    async run(task) {
      try {
        return await pool.run(task);
      } catch (err) {
        // lookupObject never throws, so this is a crashed or closing worker: keep the one decision table.
        return { kind: 'transient', reason: `lookup worker failed: ${(err as Error)?.message ?? String(err)}` };
      }
    },
    alive() {
      return !closed && pool.threads.length > 0;
    },
    async close() {
      closed = true;
      await pool.close();
    },
  };
}
