import pg from 'pg';
import Cursor from 'pg-cursor';
import { PostgresDialect } from 'kysely';

// The PostgreSQL side of the data layer: the pool Kysely's own dialect runs on.

const INT8 = 20;
const NUMERIC = 1700;

/**
 * Timestamps are epoch milliseconds in bigint columns and counts are bigint, which `pg` returns as
 * strings (an int8 can exceed a double). Every value this app stores fits in a double's 53 bits, so
 * both come back as numbers, as they do from SQLite. Per pool, not pg's global type table.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/** A pool of at most `max` connections to `url`, with the type parsers above. */
export function openPostgresPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, types, max });
  // An idle client losing its server (a restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Starts a streamed query whose rows come as arrays, in the select list's order: a million-row export
 * spent more building a 30-field object a row than writing its text (reports/export-rows.repository.ts).
 */
export const ARRAY_ROWS = '/* array rows */ ';

/** pg-cursor, giving arrays for a query that starts with ARRAY_ROWS (Kysely makes the cursor from the text alone). */
class RowModeCursor extends Cursor {
  constructor(text: string, values: unknown[]) {
    super(text, values, text.startsWith(ARRAY_ROWS) ? { rowMode: 'array' } : undefined);
  }
}

/** Kysely's own PostgreSQL dialect; `.stream()` reads through a server-side cursor (pg-cursor). */
export function postgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool, cursor: RowModeCursor });
}
