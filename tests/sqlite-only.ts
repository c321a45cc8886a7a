/**
 * Integration test files that run on SQLite only, each with the reason: they are about the SQLite
 * file itself (its modes, its WAL, its raw handle, a second connection or process opening it),
 * which a PostgreSQL server does not have. Every other integration file runs on both databases
 * (scripts/test.ts). Paths are relative to the repository.
 */
export const SQLITE_ONLY: Readonly<Record<string, string>> = {
  'tests/integration/data-at-rest.test.ts': 'file modes, secure_delete and the WAL of the SQLite file',
  'tests/integration/event-loop-stalls.test.ts': "the SQLite read pool's worker threads; it seeds a million rows with raw SQLite statements",
  'tests/integration/search-plan.test.ts': "reads SQLite's query planner (EXPLAIN QUERY PLAN)",
  'tests/integration/sqlite-lock-wait.test.ts': "a second connection holding the SQLite file's write lock",
  'tests/integration/demo.test.ts': 'npm run demo runs on its own SQLite file (DEMO_DATABASE_PATH), as a user starts it',
};
