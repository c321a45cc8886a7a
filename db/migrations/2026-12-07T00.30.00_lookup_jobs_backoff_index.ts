import { sql, type Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-12-07. Never import app code here.

export async function up(db: Kysely<any>): Promise<void> {
  // When the earliest job in backoff is due (lookups/job.repository.ts findEarliestBackoff), asked each
  // time the dispatcher finds nothing to send: without an index a scan of every waiting job, 30 to 60 ms
  // at 500,000 of them (a million-line upload with no key or no quota left), every few seconds, on
  // SQLite on the main thread (every request waited), on PostgreSQL a burst of both cores.
  await sql`CREATE INDEX lookup_jobs_backoff ON lookup_jobs (state, not_before)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS lookup_jobs_backoff`.execute(db);
}
