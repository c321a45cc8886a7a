import type { Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-11-21. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  // 1: the upload form's "Email me when the report is ready" box starts ticked for this user.
  await db.schema.alterTable('users').addColumn('notify_default', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // What the "report ready" email carries: none | csv | pdf. The app falls back to none for a
  // format it cannot make, so an unknown value here never stops an email.
  await db.schema.alterTable('users').addColumn('email_attachment', 'text', (c) => c.notNull().defaultTo('none')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').dropColumn('email_attachment').execute();
  await db.schema.alterTable('users').dropColumn('notify_default').execute();
}
