import type SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { databaseDialect, withRawConnection, type Db, type Executor } from '../shared/database.js';
import { VT_RESULT_COLUMNS } from '../lookups/vt-result.columns.js';
import type { ParsedLine } from './list-parser.js';
import { VERDICT_COLUMNS } from './report-counts.repository.js';

// The upload's writes: the measured hot path of a million-line upload, one statement (PostgreSQL) or
// one transaction of prepared statements (SQLite) per batch, never a round trip per row.
//
// On PostgreSQL a row the cache answers is inserted answered. Answering the hits afterwards (one UPDATE
// of every hit row when the import finished) cost half of an import with half its lines in the cache:
// an updated row is a new row version with a new entry in every index, on top of the insert. Not on
// SQLite: there the per-row look-up into the cache tables, competing with the report's random index
// pages for the page cache, cost more than the UPDATE saved (a million lines: 106–113 s to write
// against 72 s; docs/figures.md), so its hits are still answered when the import finishes.

/** Answer columns of the row, as the cache entry `e` has them (null when no fresh entry was found). */
const ANSWER_COLUMNS = VT_RESULT_COLUMNS.filter((c) => c !== 'verdict');
const answerValue = (column: string) =>
  // A not-found entry that replaced a found one still holds the file's old name: it names nothing now.
  column === 'meaningful_name' ? `CASE e.verdict WHEN 'not_found' THEN NULL ELSE e.meaningful_name END` : `e.${column}`;
const COLUMNS = `report_id, line, input, hash, hash_type, status, verdict, looked_up_at, from_cache, ${ANSWER_COLUMNS.join(', ')}`;
/** The row's own values come from `u` (report_id, line, input, hash, hash_type, state). */
const VALUES = `u.report_id, u.line, u.input, u.hash, u.hash_type,
  CASE WHEN e.key IS NULL THEN u.state WHEN e.verdict = 'not_found' THEN 'not_found' ELSE 'found' END,
  coalesce(e.verdict, u.state), e.fetched_at, CASE WHEN e.key IS NULL THEN NULL ELSE 1 END,
  ${ANSWER_COLUMNS.map(answerValue).join(', ')}`;
/** The entry that answers the row's value (any alias), fetched after the limit: the same rule as resolvePendingFromCache. */
const JOIN_CACHE = `LEFT JOIN cache_aliases a ON a.hash = u.hash LEFT JOIN cache_entries e ON e.key = a.entry_key AND e.fetched_at > `;

/**
 * Writes one batch of parsed lines as the report's rows; on PostgreSQL a value with a cache entry
 * fetched after `answersFreshAfter` is written with its answer (none when it is left out). A repeated
 * line number, or a value the report already has (a later line of the same value), is ignored: the
 * first line stays. On SQLite `giveWay`, asked every 128 rows, may end the transaction early (another
 * writer waits for the lock): returns how many of the batch's lines were written, the first ones.
 */
export async function insertParsedLines(
  db: Db,
  reportId: string,
  batch: readonly ParsedLine[],
  answersFreshAfter = Number.MAX_SAFE_INTEGER,
  giveWay: () => boolean = () => false,
): Promise<number> {
  if (databaseDialect(db) === 'postgres') {
    await insertOnPostgres(db, reportId, batch, answersFreshAfter);
    return batch.length;
  }
  // SQLite: prepared statements on the raw handle, taken between other callers' transactions.
  return withRawConnection(db, (sqlite) => {
    const insert = insertStatement(sqlite);
    return sqlite.transaction(() => {
      let written = 0;
      for (const row of batch) {
        if (row.kind === 'lookup') insert.run(reportId, row.line, row.input, row.value, row.type, 'pending', 'pending');
        else insert.run(reportId, row.line, row.input, null, null, 'invalid', 'invalid');
        written++;
        if (written % 128 === 0 && giveWay()) break;
      }
      return written;
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
async function insertOnPostgres(db: Db, reportId: string, batch: readonly ParsedLine[], answersFreshAfter: number): Promise<void> {
  if (batch.length === 0) return;
  const lines = batch.map((r) => r.line);
  const inputs = batch.map((r) => r.input);
  const hashes = batch.map((r) => (r.kind === 'lookup' ? r.value : null));
  const types = batch.map((r) => (r.kind === 'lookup' ? r.type : null));
  const states = batch.map((r) => (r.kind === 'lookup' ? 'pending' : 'invalid'));
  await sql`
    INSERT INTO report_items (${sql.raw(COLUMNS)})
    SELECT ${sql.raw(VALUES)}
    FROM (
      SELECT ${reportId}::text AS report_id, line, input, hash, hash_type, state, n
      FROM unnest(${lines}::integer[], ${inputs}::text[], ${hashes}::text[], ${types}::text[], ${states}::text[])
        WITH ORDINALITY AS x(line, input, hash, hash_type, state, n)
    ) u ${sql.raw(JOIN_CACHE)} ${answersFreshAfter}
    ORDER BY u.n
    ON CONFLICT DO NOTHING
  `.execute(db);
}

export async function wantsCompletionEmail(db: Executor, reportId: string): Promise<boolean> {
  const row = await db.selectFrom('reports').select('notify_email').where('id', '=', reportId).executeTakeFirstOrThrow();
  return row.notify_email === 1;
}

/** The report's last line number (0 when it has no row). */
export async function lastLineOfReport(db: Executor, reportId: string): Promise<number> {
  const row = await db.selectFrom('report_items').select((eb) => eb.fn.max('line').as('last')).where('report_id', '=', reportId).executeTakeFirst();
  return Number(row?.last ?? 0);
}

/**
 * SQLite: the report's kept counts, from one count of its rows. Its rows' triggers skip a report still
 * being imported (migration 2026-12-07T00.10.00: a counter UPDATE per row cost 13 s of a million-line
 * upload), so the transaction that makes it visible counts it; SQLite's one writer at a time means no
 * change lands between. PostgreSQL's statement triggers have kept them all along.
 */
export async function countImportedRows(db: Executor, reportId: string): Promise<void> {
  if (databaseDialect(db) === 'postgres') return;
  const counts = sql.join(VERDICT_COLUMNS.map((v) => sql`count(*) FILTER (WHERE verdict = ${v}) AS ${sql.ref(v)}`));
  const sets = sql.join(VERDICT_COLUMNS.map((v) => sql`${sql.ref(v)} = c.${sql.ref(v)}`));
  await sql`
    UPDATE report_counts SET revision = revision + 1, total = c.total, ${sets}
    FROM (SELECT count(*) AS total, ${counts} FROM report_items WHERE report_id = ${reportId}) AS c
    WHERE report_counts.report_id = ${reportId}
  `.execute(db);
}
