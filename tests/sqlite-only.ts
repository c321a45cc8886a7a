/**
 * Integration test files that run on SQLite only, each with the reason: they are about the SQLite
 * file itself (its modes, its WAL, its raw handle, a second connection or process opening it),
 * which a PostgreSQL server does not have. Every other integration file runs on both databases
 * (scripts/test.ts). Paths are relative to the repository.
 */
export const SQLITE_ONLY: Readonly<Record<string, string>> = {
  'tests/integration/data-at-rest.test.ts': 'file modes, secure_delete and the WAL of the SQLite file',
  'tests/integration/database-connection.test.ts': "better-sqlite3's one connection shared with raw prepared statements (withRawConnection)",
  'tests/integration/event-loop-stalls.test.ts': "the SQLite read pool's worker threads; it seeds a million rows with raw SQLite statements",
};
