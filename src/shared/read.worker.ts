import { workerData } from 'node:worker_threads';
import SQLite from 'better-sqlite3';

/** One read, compiled on the main thread by Kysely: its SQL and parameters. */
export interface ReadTask {
  sql: string;
  parameters: readonly unknown[];
}

let connection: SQLite.Database | null = null;

/**
 * Runs one compiled SELECT on this thread's own read-only connection to the app's SQLite file and
 * returns its rows. WAL lets it read while the main thread writes; it sees what was committed when
 * the statement began. Imports nothing of the app: the file's path comes in workerData.
 */
export default function read(task: ReadTask): unknown[] {
  if (!connection) {
    connection = new SQLite((workerData as { databasePath: string }).databasePath, { readonly: true, fileMustExist: true });
    connection.pragma('busy_timeout = 5000');
    connection.pragma('cache_size = -16384');
  }
  return connection.prepare(task.sql).all(...task.parameters);
}
