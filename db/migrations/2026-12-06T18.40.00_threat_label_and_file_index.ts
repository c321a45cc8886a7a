import { gunzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';

// Frozen: this file describes the schema change as it was on 2026-12-06. Never import app code here.

const BATCH = 500;

export async function up(db: Kysely<any>): Promise<void> {
  // A file's popular threat label, kept beside its name so exports stream it with the row instead of
  // unpacking VirusTotal's whole answer for every row.
  await db.schema.alterTable('cache_entries').addColumn('threat_label', 'text').execute();
  await db.schema.alterTable('report_items').addColumn('threat_label', 'text').execute();
  await backfillThreatLabels(db);
  // A report's rows by the file VirusTotal named (its SHA-256, whichever hash the row was uploaded as):
  // the rows that are one file, and the search of one analyst's reports for a file. Partial: rows not
  // yet answered (every row of a fresh upload) cost nothing. One index, not one per hash type: the
  // search reaches a file's MD5 or SHA-1 through its SHA-256, and each index costs every answered row.
  await db.schema
    .createIndex('report_items_report_sha256')
    .on('report_items')
    .columns(['report_id', 'sha256'])
    .where(sql.ref('sha256'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('report_items_report_sha256').ifExists().execute();
  await db.schema.alterTable('report_items').dropColumn('threat_label').execute();
  await db.schema.alterTable('cache_entries').dropColumn('threat_label').execute();
}

/** The label read from each whole answer still kept, a batch of answers at a time. */
async function backfillThreatLabels(db: Kysely<any>): Promise<void> {
  let after = 0;
  for (;;) {
    const answers: Array<{ id: number; sha256: string; body_gzip: Uint8Array }> = await db
      .selectFrom('vt_answers')
      .select(['id', 'sha256', 'body_gzip'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    for (const answer of answers) {
      const label = labelOf(answer.body_gzip);
      if (label === null) continue;
      // The entry is keyed by the answer's object id (vt_answers.sha256), and only its latest answer counts.
      await db.updateTable('cache_entries').set({ threat_label: label }).where('key', '=', answer.sha256).where('answer_id', '=', answer.id).execute();
      await db.updateTable('report_items').set({ threat_label: label }).where('answer_id', '=', answer.id).execute();
    }
    const last = answers.at(-1);
    if (!last || answers.length < BATCH) return;
    after = last.id;
  }
}

function labelOf(gzipped: Uint8Array): string | null {
  try {
    const body = JSON.parse(gunzipSync(gzipped).toString('utf8')) as { data?: { attributes?: { popular_threat_classification?: { suggested_threat_label?: unknown } } } };
    const label = body.data?.attributes?.popular_threat_classification?.suggested_threat_label;
    return typeof label === 'string' && label !== '' ? label : null;
  } catch {
    // An answer that cannot be read back has no label to give; the row keeps its other facts.
    return null;
  }
}
