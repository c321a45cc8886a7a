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
  // Searching one analyst's reports for a file by any of its three hashes seeks each report's rows by
  // the hash asked for. Partial: rows not answered yet (every row of a fresh upload) cost nothing.
  for (const column of ['sha256', 'sha1', 'md5']) {
    await db.schema
      .createIndex(`report_items_report_${column}`)
      .on('report_items')
      .columns(['report_id', column])
      .where(sql.ref(column), 'is not', null)
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['sha256', 'sha1', 'md5']) await db.schema.dropIndex(`report_items_report_${column}`).ifExists().execute();
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
