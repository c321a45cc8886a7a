import type SQLite from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type SqliteDatabase, type Driver, type QueryResult, type TransactionSettings } from 'kysely';

// Waiting for SQLite's write lock without stopping the event loop. A connection that a worker thread
// writes through (a big upload, report-import-thread.ts) holds the lock for a transaction at a time;
// SQLite's own busy handler would make a main-thread writer sleep through it synchronously, and every
// other request with it. So the main connection is opened with no busy timeout, and here a write that
// finds the lock taken is tried again after a timer, the event loop free meanwhile.

/** How long a write waits for the lock in all before it fails (SQLite's busy_timeout did the same, blocking). */
export const LOCK_WAIT_MS = 10_000;

/**
 * How many of this process's main-thread writers are waiting for the lock right now. Shared memory:
 * writer threads read it between their transactions and give way (giveWayToWaitingWriters), so a
 * writer that polls on a timer is not starved by one that takes the lock again at once.
 */
export const waitingWriters = new Int32Array(new SharedArrayBuffer(4));

export class LockWaitError extends Error {
  constructor(cause: unknown) {
    super(`The database stayed locked by another writer for ${LOCK_WAIT_MS / 1000} s; nothing was written.`, { cause });
  }
}

const isBusy = (err: unknown) => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_BUSY');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY, waiting on timers in between (1, 2, 4, … up
 * to 20 ms). Only for work that a BUSY leaves undone: an autocommit statement, BEGIN, or a
 * better-sqlite3 transaction (it rolls back when its function throws).
 */
export async function whileBusy<T>(attempt: () => T | Promise<T>): Promise<T> {
  let waited = 0;
  let counted = false;
  try {
    for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
      try {
        return await attempt();
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (waited >= LOCK_WAIT_MS) throw new LockWaitError(err);
        if (!counted) {
          counted = true;
          Atomics.add(waitingWriters, 0, 1);
        }
      }
      await pause(delay);
      waited += delay;
    }
  } finally {
    if (counted) {
      Atomics.sub(waitingWriters, 0, 1);
      Atomics.notify(waitingWriters, 0);
    }
  }
}

/**
 * For a writer thread, between two of its transactions: while a main-thread writer waits for the
 * lock, wait (blocking this thread, never the main one) until it has had it, `maxMs` at most.
 */
export function giveWayToWaitingWriters(waiting: Int32Array, maxMs = 1000): void {
  const until = performance.now() + maxMs;
  for (let n = Atomics.load(waiting, 0); n > 0; n = Atomics.load(waiting, 0)) {
    const left = until - performance.now();
    if (left <= 0) return;
    Atomics.wait(waiting, 0, n, left);
  }
}

/**
 * Kysely's SQLite dialect, with transactions that take the write lock when they begin (BEGIN
 * IMMEDIATE: a deferred one that read first could only fail, not wait, when it came to write) and
 * BUSY outside a transaction waited out on timers. Inside a transaction nothing can be BUSY: it
 * already holds the lock, and in WAL mode reads never wait.
 */
export class PatientSqliteDialect extends SqliteDialect {
  readonly #sqlite: SQLite.Database;

  /** `database`: what Kysely prepares statements on (a statement cache over `sqlite`, sqlite-statements.ts). */
  constructor(sqlite: SQLite.Database, database: SqliteDatabase = sqlite) {
    super({ database });
    this.#sqlite = sqlite;
  }

  override createDriver(): Driver {
    return new PatientDriver(super.createDriver(), this.#sqlite);
  }
}

class PatientDriver implements Driver {
  readonly savepoint: Driver['savepoint'];
  readonly rollbackToSavepoint: Driver['rollbackToSavepoint'];
  readonly releaseSavepoint: Driver['releaseSavepoint'];

  constructor(
    private readonly inner: Driver,
    private readonly sqlite: SQLite.Database,
  ) {
    this.savepoint = inner.savepoint?.bind(inner);
    this.rollbackToSavepoint = inner.rollbackToSavepoint?.bind(inner);
    this.releaseSavepoint = inner.releaseSavepoint?.bind(inner);
  }

  init = () => this.inner.init();
  destroy = () => this.inner.destroy();
  releaseConnection = (connection: DatabaseConnection) => this.inner.releaseConnection(connection);
  commitTransaction = (connection: DatabaseConnection) => this.inner.commitTransaction(connection);
  rollbackTransaction = (connection: DatabaseConnection) => this.inner.rollbackTransaction(connection);

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.inner.acquireConnection();
    const { sqlite } = this;
    return {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
        sqlite.inTransaction ? connection.executeQuery<R>(query) : whileBusy(() => connection.executeQuery<R>(query)),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    };
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
