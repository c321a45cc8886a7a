import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Most prepared statements kept per database handle. Kysely's SQL text is stable per query shape (values
 * travel as parameters), but `in (?, ?, …)` lists and batch inserts make a new text per length: the
 * least recently used goes first, and better-sqlite3 finalises it when it is collected.
 */
export const STATEMENT_CACHE_SIZE = 200;

/**
 * The better-sqlite3 handle as Kysely's SqliteDialect sees it, with prepare() answered from a cache
 * keyed by SQL text. Kysely prepares every query afresh, and on a page view that asks a handful of
 * small queries, compiling them in SQLite cost more than running them.
 *
 * A statement still being iterated (Kysely's `.stream()`, whose consumer may await between rows) is
 * busy: asked for while busy, the same SQL gets a fresh statement, which then takes the cache's place
 * (the busy one may never be finished, and must not make the cache fall back for ever).
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Re-inserted: a Map iterates in insertion order, so its first key is the least recently used.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.delete(sql);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
      return statement;
    },
  };
}
