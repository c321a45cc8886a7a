import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { FileMigrationProvider, Kysely, Migrator, PostgresAdapter, type MigrationResultSet, type Transaction } from 'kysely';
import { openPostgresPool, postgresDialect } from './postgres.js';
import { LockWaitError, PatientSqliteDialect, whileBusy } from './sqlite-patience.js';
import { withStatementCache } from './sqlite-statements.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
/** What a repository function runs on: the database, or the transaction its caller opened. */
export type Executor = Db | Transaction<Database>;
export type DatabaseDialect = 'sqlite' | 'postgres';

export interface OpenDatabase {
  db: Db;
  /** Waits for open transactions, then closes the file (or the PostgreSQL pool). */
  close(): Promise<void>;
}

/**
 * Every Kysely instance this module opened, with its raw handle. The handle never leaves the data
 * layer: repositories that keep prepared statements for a measured hot path reach it through
 * `withRawConnection`, which takes Kysely's one connection first.
 */
const rawHandles = new WeakMap<Db, SQLite.Database>();

const migrationFolder = fileURLToPath(new URL('../../db/migrations', import.meta.url));

/** postgres:// or postgresql://: a PostgreSQL server; anything else is a SQLite file path. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/**
 * Opens `location`: a PostgreSQL URL (DATABASE_URL) or a SQLite file path (DATABASE_PATH). On SQLite a
 * writer waits for another's lock on timers (sqlite-patience.ts); `blockOnLocks`, for a worker thread
 * only, lets SQLite's busy handler wait instead, blocking that thread.
 */
export function openDatabase(location: string, options: { blockOnLocks?: boolean } = {}): OpenDatabase {
  if (!isPostgresUrl(location)) return openSqlite(location, options.blockOnLocks === true);
  const pool = openPostgresPool(location);
  const db = new Kysely<Database>({ dialect: postgresDialect(pool) });
  return { db, close: () => db.destroy() };
}

/** Which engine `db` (or a transaction on it) runs on, for the few statements that must differ. */
export function databaseDialect(db: Executor): DatabaseDialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * Opens (creating when missing) the SQLite file with WAL, foreign keys and a busy timeout. The file
 * holds password hashes, the session secret and everyone's reports: its folder is made 0700 and the
 * file 0600 (SQLite gives its -wal and -shm files the database file's mode).
 */
function openSqlite(file: string, blockOnLocks: boolean): OpenDatabase {
  if (file !== ':memory:') restrictFile(file);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // FULL: a row acknowledged to the user (an upload, a paid-for answer) survives a power cut, not just a crash.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Deleted rows (an account, a report) are overwritten with zeros, not left readable in free pages.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma(`busy_timeout = ${blockOnLocks ? 5000 : 0}`);
  // 64 MB of page cache: the hash indexes of a million-row upload are random inserts that thrash a small cache.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new PatientSqliteDialect(sqlite, withStatementCache(sqlite)) });
  rawHandles.set(db, sqlite);
  return { db, close: () => db.destroy() };
}

/**
 * Runs `work` on the raw better-sqlite3 handle while holding Kysely's single connection. Kysely keeps
 * the connection for the whole of a transaction, across its awaits; a raw write made meanwhile would
 * join that transaction and vanish with its rollback. Waiting for the connection makes raw work happen
 * between transactions, never inside one. `work` is synchronous, so nothing else runs while it holds it.
 * SQLite only: PostgreSQL has no single connection to share and no synchronous driver.
 */
export async function withRawConnection<T>(db: Db, work: (sqlite: SQLite.Database) => T): Promise<T> {
  if (db.isTransaction) throw new Error('withRawConnection needs the database, not a transaction (it would wait for itself)');
  const sqlite = rawHandles.get(db);
  if (!sqlite) throw new Error('withRawConnection: this Kysely instance was not opened by openDatabase on a SQLite file');
  // A BUSY `work` (a write whose lock was taken) is undone: better-sqlite3 rolls its transaction back.
  return db.connection().execute(() => whileBusy(() => work(sqlite)));
}

/** The SQLite file `db` was opened on; null for PostgreSQL and in-memory databases (only this connection can see those). */
export function sqliteFileOf(db: Db): string | null {
  const sqlite = rawHandles.get(db);
  return sqlite && !sqlite.memory ? sqlite.name : null;
}

/** Creates the database file 0600 in a 0700 folder, and takes existing ones (and their WAL) back to 0600. */
function restrictFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}

/**
 * After a deletion on SQLite: copies the WAL into the database file and empties it, so the deleted
 * rows' old pages are no longer readable in the WAL (secure_delete already zeroed them in the file).
 * PostgreSQL's dead rows are its server's business (VACUUM); nothing to do here.
 */
export async function checkpointAfterDeletion(db: Db): Promise<void> {
  if (databaseDialect(db) === 'postgres') return;
  // With no busy timeout, a checkpoint that meets a writer (an upload's thread) or an old reader says
  // busy at once: tried again on timers, and left to the next one if they outlast the lock wait.
  await whileBusy(async () => {
    const [result] = (await withRawConnection(db, (sqlite) => sqlite.pragma('wal_checkpoint(TRUNCATE)'))) as Array<{ busy: number }>;
    if (result?.busy) throw Object.assign(new Error('the WAL is in use'), { code: 'SQLITE_BUSY' });
  }).catch((err: unknown) => {
    if (!(err instanceof LockWaitError)) throw err;
  });
}

export function createMigrator(db: Db): Migrator {
  return new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
}

/** Applies every pending migration; throws with the failing migration's name and cause. */
export async function migrateToLatest(db: Db): Promise<NonNullable<MigrationResultSet['results']>> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown migration';
    throw new Error(`Migration ${failed} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return results ?? [];
}
