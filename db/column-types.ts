import { PostgresAdapter, type ColumnDefinitionBuilder, type Kysely } from 'kysely';

// Column types that differ between the two databases, for the migrations (which never import src/).
// On SQLite every name below is what the migrations always said, so an existing file's schema is
// byte for byte what it was; on PostgreSQL each is the type that holds the same values.

export interface ColumnTypes {
  /** Milliseconds since the Unix epoch: past 2^31, so PostgreSQL needs bigint (SQLite's integer is 64-bit). */
  ms: 'integer' | 'bigint';
  /** An id of a table that grows with every upload or answer (or a reference to one). */
  bigId: 'integer' | 'bigint';
  /** Bytes: SQLite's blob is PostgreSQL's bytea. */
  blob: 'blob' | 'bytea';
  /** A generated primary key: SQLite's AUTOINCREMENT, PostgreSQL's identity. */
  autoId(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export function isPostgres<DB>(db: Kysely<DB>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function columnTypes<DB>(db: Kysely<DB>): ColumnTypes {
  const pg = isPostgres(db);
  return {
    ms: pg ? 'bigint' : 'integer',
    bigId: pg ? 'bigint' : 'integer',
    blob: pg ? 'bytea' : 'blob',
    autoId: (c) => (pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement()),
  };
}
