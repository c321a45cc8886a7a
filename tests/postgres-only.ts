/**
 * Integration test files that run on the PostgreSQL pass only, each with the reason: they are about
 * PostgreSQL itself (moving a SQLite deployment onto it, several instances on one server), which the
 * SQLite pass has no server for. scripts/test.ts runs them with TEST_DATABASE_URL set, so they never
 * pass vacuously. Paths are relative to the repository.
 */
export const POSTGRES_ONLY: Readonly<Record<string, string>> = {
  'tests/integration/db-copy.test.ts': 'copies a SQLite file into a PostgreSQL database',
  'tests/integration/leadership.test.ts': "PostgreSQL's advisory lock and LISTEN/NOTIFY elect and wake the dispatcher",
  'tests/integration/multi-instance.test.ts': 'three app processes on one PostgreSQL database, the dispatcher killed twice',
  'tests/integration/report-tidy.test.ts': "PostgreSQL's statistics and visibility map after a big import",
};
