import type { CompiledQuery } from 'kysely';
import { Piscina } from 'piscina';
import { databaseDialect, type Executor } from './database.js';
import type { ReadTask } from './read.worker.js';

/**
 * Where a repository's heavy reads run: Kysely builds and compiles the query where it is asked for,
 * and this executes it. On SQLite every query otherwise runs on the main thread, and a search over a
 * million rows there holds every other request for seconds.
 */
export interface QueryRunner {
  all<R>(query: CompiledQuery<R>): Promise<R[]>;
}

export interface ReadPool extends QueryRunner {
  close(): Promise<void>;
}

/** Runs the query on the caller's connection (the main thread): for small reads, and databases only this process can open. */
export const onConnection = (db: Executor): QueryRunner => ({
  all: async <R>(query: CompiledQuery<R>) => (await db.executeQuery(query)).rows,
});

/**
 * A pool of worker threads, each with its own read-only connection to the SQLite file, for reads
 * that scan a report (a search, a deep or sorted page, its counts). The main thread only waits for
 * the rows (on PostgreSQL the reads run on `fallback`, the pg pool). One thread per core, at most two: the reads are CPU-bound, and the main thread needs
 * the rest. An in-memory database cannot be opened twice, so it reads on `fallback`.
 */
export function createReadPool(databasePath: string, fallback: Executor): ReadPool {
  // PostgreSQL runs every query on a server connection of the pg pool: the main thread only ever waits.
  if (databasePath === ':memory:' || databaseDialect(fallback) === 'postgres') return { ...onConnection(fallback), close: async () => {} };
  // As for the lookup pool: under tsx the module is the .ts source, compiled it is .js.
  const isTs = import.meta.url.endsWith('.ts');
  const workerUrl = new URL(`./read.worker${isTs ? '.ts' : '.js'}`, import.meta.url);
  const needsLoader = isTs && !process.execArgv.some((a) => a.includes('tsx'));
  const pool = new Piscina<ReadTask, unknown[]>({
    filename: workerUrl.href,
    workerData: { databasePath },
    minThreads: 1,
    maxThreads: 2,
    // A worker sits idle most of the time; keep one warm so the first search does not pay its start.
    idleTimeout: 60_000,
    ...(needsLoader ? { execArgv: [...process.execArgv, '--import', 'tsx'] } : {}),
  });
  return {
    all: async <R>(query: CompiledQuery<R>) => (await pool.run({ sql: query.sql, parameters: query.parameters })) as R[],
    close: () => pool.close(),
  };
}
