import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-07. Never import app code here.

/** The verdicts a row can have, each with its own counter column. */
const VERDICTS = ['pending', 'malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'invalid', 'error'];

/** The row trigger's UPDATE of one counts row, as 2026-12-06T20.10.00 wrote it. */
const step = (sign: '+' | '-', row: 'NEW' | 'OLD') =>
  sql.raw(
    `UPDATE report_counts SET total = total ${sign} 1, revision = revision + 1, ` +
      VERDICTS.map((v) => `${v} = ${v} ${sign} (${row}.verdict = '${v}')`).join(', ') +
      ` WHERE report_id = ${row}.report_id;`,
  );
const importing = (row: 'NEW' | 'OLD') => sql.raw(`(SELECT state FROM reports WHERE id = ${row}.report_id) IS 'importing'`);

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite only. Its counts are kept by row triggers, an UPDATE of the report's counts row per row
  // written: 13 s of a million-line upload. A report still being imported is invisible, so nobody
  // reads its counts: its rows' triggers now do nothing, and the import's last transaction counts
  // the report once (one GROUP BY), in the transaction that makes it visible. SQLite has one writer
  // at a time, so no write lands between that count and the report becoming visible.
  // A report being deleted is made invisible the same way first: its rows' deletes skip the counts too.
  // PostgreSQL keeps its statement triggers as they are: they cost one UPDATE per statement, not per
  // row, and a count taken there under READ COMMITTED could miss a concurrent answer's change.
  if (isPostgres(db)) return;
  for (const trigger of ['report_counts_insert', 'report_counts_delete', 'report_counts_update']) await sql.raw(`DROP TRIGGER ${trigger}`).execute(db);
  await sql`CREATE TRIGGER report_counts_insert AFTER INSERT ON report_items WHEN NOT ${importing('NEW')} BEGIN ${step('+', 'NEW')} END`.execute(db);
  await sql`CREATE TRIGGER report_counts_delete AFTER DELETE ON report_items WHEN NOT ${importing('OLD')} BEGIN ${step('-', 'OLD')} END`.execute(db);
  await sql`
    CREATE TRIGGER report_counts_update AFTER UPDATE OF verdict, report_id ON report_items
    WHEN (OLD.verdict IS NOT NEW.verdict OR OLD.report_id IS NOT NEW.report_id)
      AND NOT (OLD.report_id IS NEW.report_id AND ${importing('NEW')})
    BEGIN ${step('-', 'OLD')} ${step('+', 'NEW')} END
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) return;
  for (const trigger of ['report_counts_insert', 'report_counts_delete', 'report_counts_update']) await sql.raw(`DROP TRIGGER ${trigger}`).execute(db);
  await sql`CREATE TRIGGER report_counts_insert AFTER INSERT ON report_items BEGIN ${step('+', 'NEW')} END`.execute(db);
  await sql`CREATE TRIGGER report_counts_delete AFTER DELETE ON report_items BEGIN ${step('-', 'OLD')} END`.execute(db);
  await sql`
    CREATE TRIGGER report_counts_update AFTER UPDATE OF verdict, report_id ON report_items
    WHEN OLD.verdict IS NOT NEW.verdict OR OLD.report_id IS NOT NEW.report_id
    BEGIN ${step('-', 'OLD')} ${step('+', 'NEW')} END
  `.execute(db);
}
