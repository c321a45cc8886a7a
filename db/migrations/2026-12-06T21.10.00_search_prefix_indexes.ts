import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../column-types.js';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

/**
 * The report page's search as index ranges (issue 14): a prefix of the MD5, the SHA-1, the input as
 * written (any case) or the file's name (any case) is a range of one of these, as a prefix of the
 * value or the SHA-256 already is of (report_id, hash) and (report_id, sha256). Partial, so rows
 * without the value cost nothing at upload: MD5 and SHA-1 exist on answered rows only, a name on
 * files VirusTotal named, and the input is kept apart only when it differs from the value (a
 * defanged, upper-case or invalid line; otherwise the value's index finds it). On PostgreSQL the
 * text is compared bytewise (COLLATE "C") whatever the database's collation, so a prefix is a range.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const c = sql.raw(isPostgres(db) ? ' COLLATE "C"' : '');
  await sql`CREATE INDEX report_items_md5_prefix ON report_items (report_id, md5${c}) WHERE md5 IS NOT NULL`.execute(db);
  await sql`CREATE INDEX report_items_sha1_prefix ON report_items (report_id, sha1${c}) WHERE sha1 IS NOT NULL`.execute(db);
  await sql`CREATE INDEX report_items_input_prefix ON report_items (report_id, (lower(input))${c}) WHERE hash IS NULL OR input <> hash`.execute(db);
  await sql`CREATE INDEX report_items_name_prefix ON report_items (report_id, (lower(meaningful_name))${c}) WHERE meaningful_name IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['report_items_md5_prefix', 'report_items_sha1_prefix', 'report_items_input_prefix', 'report_items_name_prefix']) {
    await sql.raw(`DROP INDEX IF EXISTS ${index}`).execute(db);
  }
}
