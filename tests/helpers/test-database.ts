/**
 * The test's own view of an app's SQLite file: its own better-sqlite3 connections, never the
 * app's handle. Reads go through a read-only connection; `run` opens a writable one only for the
 * few tests that arrange a state no page can make (an old cache entry, a hidden table).
 */
import SQLite from 'better-sqlite3';

export type SqlParam = string | number | bigint | null | Buffer;

export interface TestDatabase {
  /** Every row of `query`. */
  rows<T = Record<string, unknown>>(query: string, ...params: SqlParam[]): T[];
  /** The first row of `query`, or undefined. */
  row<T = Record<string, unknown>>(query: string, ...params: SqlParam[]): T | undefined;
  /** Runs one writing statement (DDL too); returns the rows it changed. */
  run(query: string, ...params: SqlParam[]): number;
  /** Closes the connections; the next call opens them again (e.g. after the app restarted). */
  close(): void;
}

export function openTestDatabase(databasePath: string): TestDatabase {
  let reader: SQLite.Database | null = null;
  let writer: SQLite.Database | null = null;
  const open = (readonly: boolean) => {
    const connection = new SQLite(databasePath, { readonly, fileMustExist: true });
    // The app writes at the same time; wait for its lock rather than fail with SQLITE_BUSY.
    connection.pragma('busy_timeout = 5000');
    return connection;
  };
  const read = () => {
    reader ??= open(true);
    return reader;
  };
  const write = () => {
    writer ??= open(false);
    return writer;
  };
  return {
    rows: <T>(query: string, ...params: SqlParam[]) => read().prepare(query).all(...params) as T[],
    row: <T>(query: string, ...params: SqlParam[]) => read().prepare(query).get(...params) as T | undefined,
    run: (query: string, ...params: SqlParam[]) => write().prepare(query).run(...params).changes,
    close() {
      reader?.close();
      writer?.close();
      reader = writer = null;
    },
  };
}
