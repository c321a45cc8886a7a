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

/** Kysely's own PostgreSQL dialect; `.stream()` reads through a server-side cursor (pg-cursor). */
export function postgresDialect(pool: pg.Pool): PostgresDialect {
  return new PostgresDialect({ pool, cursor: Cursor });
}
