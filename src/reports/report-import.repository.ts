import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { databaseDialect, withRawConnection, type Db, type Executor } from '../shared/database.js';
import type { ParsedLine } from './list-parser.js';

// The upload's writes: the measured hot path of a million-line upload, one statement (PostgreSQL) or
// one transaction of prepared statements (SQLite) per batch, never a round trip per row.

/**
 * Writes one batch of parsed lines as the report's rows. A repeated line number, or a value the
 * report already has (a later line of the same value), is ignored: the first line stays.
 */
export async function insertParsedLines(db: Db, reportId: string, batch: readonly ParsedLine[]): Promise<void> {
  if (databaseDialect(db) === 'postgres') return insertOnPostgres(db, reportId, batch);
  // SQLite: prepared statements on the raw handle, taken between other callers' transactions.
  await withRawConnection(db, (sqlite) => {
    const insert = insertStatement(sqlite);
    sqlite.transaction(() => {
      for (const row of batch) {
        if (row.kind === 'lookup') insert.run(reportId, row.line, row.input, row.value, row.type, 'pending', 'pending');
        else insert.run(reportId, row.line, row.input, null, null, 'invalid', 'invalid');
      }
    })();
  });
}

const insertStatements = new WeakMap<SQLite.Database, SQLite.Statement>();

/** The insert, compiled once per connection rather than once per batch (200 times for a million lines). */
function insertStatement(sqlite: SQLite.Database): SQLite.Statement {
  let insert = insertStatements.get(sqlite);
  if (!insert) {
    insert = sqlite.prepare(
      `INSERT OR IGNORE INTO report_items (report_id, line, input, hash, hash_type, status, verdict)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    insertStatements.set(sqlite, insert);
  }
  return insert;
}

/**
 * PostgreSQL: the whole batch as five arrays in one INSERT … SELECT FROM unnest (one round trip,
 * five parameters however many rows), in line order so the first line of a repeated value wins.
 */
async function insertOnPostgres(db: Db, reportId: string, batch: readonly ParsedLine[]): Promise<void> {
  if (batch.length === 0) return;
  const lines = batch.map((r) => r.line);
  const inputs = batch.map((r) => r.input);
  const hashes = batch.map((r) => (r.kind === 'lookup' ? r.value : null));
  const types = batch.map((r) => (r.kind === 'lookup' ? r.type : null));
  const states = batch.map((r) => (r.kind === 'lookup' ? 'pending' : 'invalid'));
  await sql`
    INSERT INTO report_items (report_id, line, input, hash, hash_type, status, verdict)
    SELECT ${reportId}, u.line, u.input, u.hash, u.hash_type, u.state, u.state
    FROM unnest(${lines}::integer[], ${inputs}::text[], ${hashes}::text[], ${types}::text[], ${states}::text[])
      WITH ORDINALITY AS u(line, input, hash, hash_type, state, n)
    ORDER BY u.n
    ON CONFLICT DO NOTHING
  `.execute(db);
}

export async function wantsCompletionEmail(db: Executor, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('reports').select('notify_email').where('id', '=', reportId).executeTakeFirstOrThrow();
  return row.notify_email === 1;
}
