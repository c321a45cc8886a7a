import { sql } from 'kysely';
import type { Executor } from '../shared/database.js';
import { aliasesOf } from '../lookups/cache.repository.js';
import { deleteQueuedJobsFor } from '../lookups/job.repository.js';
import { resolvePendingFromCache } from '../lookups/row-resolution.repository.js';

const CHUNK = 500;

/**
 * Report rows waiting for a value a feed just brought take the answer now, and the value's queued
 * lookup goes (no call is sent for it). Only entries some pending row waits for are touched: a feed
 * brings thousands of objects a minute and nearly none is in anyone's report.
 * Returns the reports whose rows changed.
 */
export async function answerPendingRows(db: Executor, entryKeys: string[], cacheTtlMs: number, now: number): Promise<string[]> {
  const touched = new Set<string>();
  for (let i = 0; i < entryKeys.length; i += CHUNK) {
    const waited = await db
      .selectFrom('cache_aliases as a')
      .innerJoin('report_items as r', 'r.hash', 'a.hash')
      .select('a.entry_key')
      .distinct()
      // A literal, not a parameter: SQLite uses the partial index on pending rows' hashes only for a literal.
      .where('r.status', '=', sql.lit('pending'))
      .where('a.entry_key', 'in', entryKeys.slice(i, i + CHUNK))
      .execute();
    for (const { entry_key: entryKey } of waited) {
      await deleteQueuedJobsFor(db, await aliasesOf(db, entryKey));
      for (const id of await resolvePendingFromCache(db, { entryKey, freshAfter: now - cacheTtlMs, fromCache: true, now })) touched.add(id);
    }
  }
  return [...touched];
}
