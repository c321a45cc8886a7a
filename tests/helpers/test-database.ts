/**
 * The test's own view of an app's database: connections of its own, never the app's. On SQLite a
 * read-only better-sqlite3 connection for reads and a writable one for `run`; on PostgreSQL a small
 * pg pool of its own. Queries are written once, with `?` placeholders, in SQL both databases
 * understand; on PostgreSQL the placeholders become $1, $2, … and bigint counts come back as numbers.
 */
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { isPostgresUrl } from '../../src/shared/database.js';
import { openPostgresPool } from '../../src/shared/postgres.js';

export type SqlParam = string | number | bigint | null | Buffer;

export interface TestDatabase {
  /** Which database this is, for the few assertions that read a dialect's own catalogue. */
  dialect: 'sqlite' | 'postgres';
  /** Every row of `query`. */
  rows<T = Record<string, unknown>>(query: string, ...params: SqlParam[]): Promise<T[]>;
  /** The first row of `query`, or undefined. */
  row<T = Record<string, unknown>>(query: string, ...params: SqlParam[]): Promise<T | undefined>;
  /** Runs one writing statement (DDL too); returns the rows it changed. */
  run(query: string, ...params: SqlParam[]): Promise<number>;
  /** Inserts many rows in one transaction (set-up data): prepared statements on SQLite, multi-row INSERTs on PostgreSQL. */
  insertRows(table: string, columns: readonly string[], rows: readonly (readonly SqlParam[])[]): Promise<void>;
  /** Closes the connections; the next call opens them again (e.g. after the app restarted). */
  close(): Promise<void>;
}

/** `location`: a SQLite file path or a postgres:// URL, as the app was given. */
export function openTestDatabase(location: string): TestDatabase {
  return isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
}

/** `?` placeholders as $1, $2, … (outside quoted text and identifiers). */
export function numberPlaceholders(query: string): string {
  let n = 0;
  return query.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (match) => (match === '?' ? `$${++n}` : match));
}

function openSqlite(databasePath: string): TestDatabase {
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
    dialect: 'sqlite',
    rows: async <T>(query: string, ...params: SqlParam[]) => read().prepare(query).all(...params) as T[],
    row: async <T>(query: string, ...params: SqlParam[]) => read().prepare(query).get(...params) as T | undefined,
    run: async (query: string, ...params: SqlParam[]) => write().prepare(query).run(...params).changes,
    async insertRows(table, columns, rows) {
      const insert = write().prepare(`INSERT INTO "${table}" (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      write().transaction(() => {
        for (const row of rows) insert.run(...row);
      })();
    },
    async close() {
      reader?.close();
      writer?.close();
      reader = writer = null;
    },
  };
}

function openPostgres(url: string): TestDatabase {
  let pool: pg.Pool | null = null;
  const query = async (text: string, params: SqlParam[]) => {
    pool ??= openPostgresPool(url, 2);
    return pool.query(numberPlaceholders(text), params.map((p) => (typeof p === 'bigint' ? p.toString() : p)));
  };
  return {
    dialect: 'postgres',
    rows: async <T>(text: string, ...params: SqlParam[]) => (await query(text, params)).rows as T[],
    row: async <T>(text: string, ...params: SqlParam[]) => (await query(text, params)).rows[0] as T | undefined,
    run: async (text: string, ...params: SqlParam[]) => (await query(text, params)).rowCount ?? 0,
    async insertRows(table, columns, rows) {
      pool ??= openPostgresPool(url, 2);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // 1,000 rows a statement stays far below PostgreSQL's 65,535 parameters for any of our tables.
        for (let i = 0; i < rows.length; i += 1000) {
          const chunk = rows.slice(i, i + 1000);
          const values = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
          await client.query(`INSERT INTO "${table}" (${columns.join(', ')}) VALUES ${values.join(', ')}`, chunk.flat());
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      const closing = pool;
      pool = null;
      await closing?.end();
    },
  };
}

/** The app's tables (Kysely's migration tables included), by name. */
export async function tableNames(db: TestDatabase): Promise<string[]> {
  const rows = await db.rows<{ name: string }>(
    db.dialect === 'postgres'
      ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"
      : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  );
  return rows.map((r) => r.name);
}
