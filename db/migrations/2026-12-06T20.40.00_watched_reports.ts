import type { Kysely } from 'kysely';
import { columnTypes } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

// Watched reports: the app looks their rows up again on a schedule and keeps what changed. Every
// table hangs off the report with ON DELETE CASCADE, so deleting a report stops its watch and drops
// its history with it, whichever way the report goes (its page, the API, the account).
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('report_watches')
    .addColumn('report_id', 'text', (c) => c.primaryKey().references('reports.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', t.ms, (c) => c.notNull())
    .addColumn('next_check_at', t.ms, (c) => c.notNull())
    // Set while a re-check's rows wait for their answers: when it began.
    .addColumn('checking_since', t.ms)
    .addColumn('last_check_at', t.ms)
    .execute();
  await db.schema.createIndex('report_watches_due').on('report_watches').column('next_check_at').execute();

  // A re-check's rows as they were before it: what the answers are compared with when it ends.
  await db.schema
    .createTable('watch_baseline')
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('item_id', t.bigId, (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull())
    .addColumn('malicious', 'integer')
    .addColumn('fortinet', 'text')
    .addPrimaryKeyConstraint('watch_baseline_pk', ['report_id', 'item_id'])
    .execute();

  // One finished re-check that changed something, and its email (the outbox: sent once, retried on failure).
  await db.schema
    .createTable('watch_checks')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('started_at', t.ms, (c) => c.notNull())
    .addColumn('finished_at', t.ms, (c) => c.notNull())
    .addColumn('changes', 'integer', (c) => c.notNull())
    // pending | sent | failed
    .addColumn('email_status', 'text', (c) => c.notNull())
    .addColumn('email_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('email_next_at', t.ms)
    .addColumn('email_error', 'text')
    .execute();
  await db.schema.createIndex('watch_checks_report').on('watch_checks').columns(['report_id', 'finished_at']).execute();
  await db.schema.createIndex('watch_checks_email').on('watch_checks').columns(['email_status', 'email_next_at']).execute();

  // A row's history: each change a re-check found, before and after.
  await db.schema
    .createTable('watch_changes')
    .addColumn('id', t.bigId, t.autoId)
    .addColumn('check_id', t.bigId, (c) => c.notNull().references('watch_checks.id').onDelete('cascade'))
    .addColumn('report_id', 'text', (c) => c.notNull().references('reports.id').onDelete('cascade'))
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('input', 'text', (c) => c.notNull())
    // Comma list of: verdict, found, detections, fortinet.
    .addColumn('kinds', 'text', (c) => c.notNull())
    .addColumn('before_verdict', 'text', (c) => c.notNull())
    .addColumn('after_verdict', 'text', (c) => c.notNull())
    .addColumn('before_malicious', 'integer')
    .addColumn('after_malicious', 'integer')
    .addColumn('before_fortinet', 'text')
    .addColumn('after_fortinet', 'text')
    .execute();
  await db.schema.createIndex('watch_changes_check').on('watch_changes').column('check_id').execute();
  await db.schema.createIndex('watch_changes_report_line').on('watch_changes').columns(['report_id', 'line']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('watch_changes').execute();
  await db.schema.dropTable('watch_checks').execute();
  await db.schema.dropTable('watch_baseline').execute();
  await db.schema.dropTable('report_watches').execute();
}
