import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

/** The verdicts a row can have, each with its own counter column. */
const VERDICTS = ['pending', 'malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'invalid', 'error'];

export async function up(db: Kysely<any>): Promise<void> {
  // A report's rows counted by verdict, kept by the database in the same transaction as the rows
  // themselves: the report page, its status poll, the list and the estimate read one row instead of
  // grouping a million. Triggers, not app code, keep them, since rows are written in many places
  // (imports by prepared statements, unnest or COPY; lookups answering rows of many reports in one
  // statement; refreshes; deletes in batches; the cascade of a report's deletion).
  // `revision` moves with every change, so a figure derived from the rows can be kept until it does.
  let table = db.schema
    .createTable('report_counts')
    .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id').onDelete('cascade'))
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0));
  for (const verdict of VERDICTS) table = table.addColumn(verdict, 'integer', (c) => c.notNull().defaultTo(0));
  await table.execute();

  if (isPostgres(db)) await postgresTriggers(db);
  else await sqliteTriggers(db);

  // Reports that exist already: counted once, here.
  const counted = sql.join(VERDICTS.map((v) => sql`count(i.id) FILTER (WHERE i.verdict = ${v})`));
  const countedSqlite = sql.join(VERDICTS.map((v) => sql`coalesce(sum(i.verdict = ${v}), 0)`));
  await sql`
    INSERT INTO report_counts (report_id, total, ${sql.join(VERDICTS.map((v) => sql.ref(v)))})
    SELECT r.id, count(i.id), ${isPostgres(db) ? counted : countedSqlite}
    FROM reports r LEFT JOIN report_items i ON i.report_id = r.id
    GROUP BY r.id
  `.execute(db);

  // Every order the report page offers is a range of one of these indexes, so a page reads its rows
  // and no others at any depth, and a jump to page N walks index entries only (PostgreSQL: INCLUDE
  // makes that an index-only scan). Sort keys are never NULL (rows without an answer sort last as -1
  // or ''), so both databases order them alike and a cursor compares them with plain < and =.
  // (report_id, verdict, line) replaces (report_id, verdict), which it starts with.
  const include = (columns: string) => sql.raw(isPostgres(db) ? ` INCLUDE (${columns})` : '');
  const detections = sql`(coalesce(malicious, -1)) DESC, (coalesce(suspicious, -1)) DESC, line`;
  await sql`CREATE INDEX report_items_verdict_line ON report_items (report_id, verdict, line)`.execute(db);
  await sql`DROP INDEX report_items_report_verdict`.execute(db);
  // The verdict sort (most severe first, then by detections) is one of these ranges per verdict, as
  // is sort by detections within one verdict; across verdicts, the one below.
  await sql`CREATE INDEX report_items_verdict_detections ON report_items (report_id, verdict, ${detections})${include('malicious, suspicious')}`.execute(db);
  await sql`CREATE INDEX report_items_detections ON report_items (report_id, ${detections})${include('malicious, suspicious, verdict')}`.execute(db);
  await sql`CREATE INDEX report_items_analysis ON report_items (report_id, (coalesce(last_analysis_date, '')) DESC, line)${include('last_analysis_date, verdict')}`.execute(db);
}

async function sqliteTriggers(db: Kysely<any>): Promise<void> {
  // Row triggers: on SQLite one is an UPDATE of one row by its key, a few microseconds.
  await sql`
    CREATE TRIGGER report_counts_new_report AFTER INSERT ON reports
    BEGIN INSERT INTO report_counts (report_id) VALUES (NEW.id); END
  `.execute(db);
  const step = (sign: '+' | '-', row: 'NEW' | 'OLD') =>
    sql.raw(
      `UPDATE report_counts SET total = total ${sign} 1, revision = revision + 1, ` +
        VERDICTS.map((v) => `${v} = ${v} ${sign} (${row}.verdict = '${v}')`).join(', ') +
        ` WHERE report_id = ${row}.report_id;`,
    );
  await sql`CREATE TRIGGER report_counts_insert AFTER INSERT ON report_items BEGIN ${step('+', 'NEW')} END`.execute(db);
  await sql`CREATE TRIGGER report_counts_delete AFTER DELETE ON report_items BEGIN ${step('-', 'OLD')} END`.execute(db);
  await sql`
    CREATE TRIGGER report_counts_update AFTER UPDATE OF verdict, report_id ON report_items
    WHEN OLD.verdict IS NOT NEW.verdict OR OLD.report_id IS NOT NEW.report_id
    BEGIN ${step('-', 'OLD')} ${step('+', 'NEW')} END
  `.execute(db);
}

async function postgresTriggers(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION report_counts_new_report() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO report_counts (report_id) VALUES (NEW.id); RETURN NULL; END $$
  `.execute(db);
  await sql`CREATE TRIGGER report_counts_new_report AFTER INSERT ON reports FOR EACH ROW EXECUTE FUNCTION report_counts_new_report()`.execute(db);

  // Statement triggers over the transition tables: one aggregated delta per report per statement,
  // so a million-row INSERT … SELECT or COPY updates each counter row once, not a million times
  // (row triggers on one hot row would serialise the import and leave a million dead tuples).
  const sums = VERDICTS.map((v) => `sum(d.n) FILTER (WHERE d.verdict = '${v}') AS ${v}`).join(', ');
  const sets = VERDICTS.map((v) => `${v} = c.${v} + coalesce(t.${v}, 0)`).join(', ');
  // Counter rows are locked first, in one order, so two statements touching the same reports never deadlock.
  const lock = (table: string) => `PERFORM 1 FROM report_counts WHERE report_id IN (SELECT report_id FROM ${table}) ORDER BY report_id FOR UPDATE`;
  const apply = (rows: string) => `
    WITH d AS (${rows}),
    t AS (SELECT d.report_id, sum(d.n) AS total, ${sums} FROM d GROUP BY d.report_id)
    UPDATE report_counts c SET total = c.total + t.total, revision = c.revision + 1, ${sets}
    FROM t WHERE c.report_id = t.report_id`;
  const added = `SELECT report_id, verdict, count(*) AS n FROM new_rows GROUP BY report_id, verdict`;
  const removed = `SELECT report_id, verdict, -count(*) AS n FROM old_rows GROUP BY report_id, verdict`;
  // Rows whose verdict stayed as it was add and remove themselves: only changes are applied.
  const changed = `SELECT report_id, verdict, sum(n) AS n FROM (${added} UNION ALL ${removed}) AS u GROUP BY report_id, verdict HAVING sum(n) <> 0`;
  await sql
    .raw(
      `CREATE FUNCTION report_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN ${lock('new_rows')}; ${apply(added)};
      ELSIF TG_OP = 'DELETE' THEN ${lock('old_rows')}; ${apply(removed)};
      ELSE ${lock('new_rows')}; ${apply(changed)};
      END IF;
      RETURN NULL;
    END $$`,
    )
    .execute(db);
  await sql`CREATE TRIGGER report_counts_insert AFTER INSERT ON report_items REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_counts_apply()`.execute(db);
  await sql`CREATE TRIGGER report_counts_delete AFTER DELETE ON report_items REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION report_counts_apply()`.execute(db);
  await sql`
    CREATE TRIGGER report_counts_update AFTER UPDATE ON report_items
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION report_counts_apply()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['report_items_analysis', 'report_items_detections', 'report_items_verdict_detections']) {
    await sql.raw(`DROP INDEX IF EXISTS ${index}`).execute(db);
  }
  await sql`CREATE INDEX IF NOT EXISTS report_items_report_verdict ON report_items (report_id, verdict)`.execute(db);
  await sql`DROP INDEX IF EXISTS report_items_verdict_line`.execute(db);
  for (const trigger of ['report_counts_insert', 'report_counts_delete', 'report_counts_update']) {
    await sql.raw(`DROP TRIGGER IF EXISTS ${trigger}${isPostgres(db) ? ' ON report_items' : ''}`).execute(db);
  }
  await sql.raw(`DROP TRIGGER IF EXISTS report_counts_new_report${isPostgres(db) ? ' ON reports' : ''}`).execute(db);
  if (isPostgres(db)) {
    await sql`DROP FUNCTION IF EXISTS report_counts_apply()`.execute(db);
    await sql`DROP FUNCTION IF EXISTS report_counts_new_report()`.execute(db);
  }
  await db.schema.dropTable('report_counts').ifExists().execute();
}
