import type { Db } from '../shared/database.js';
import * as cache from './cache.repository.js';
import * as jobs from './job.repository.js';
import type { LookupJobRow } from './lookup.table.js';
import { resolvePendingFromCache } from './row-resolution.repository.js';

/**
 * A job whose hash the cache already answers (another alias came back first) costs no call. A
 * forced refresh takes only an entry fetched since it was asked for. A hit is checked again inside
 * the transaction that deletes the job: a refresh forced in between raises the job's limit, and
 * must not lose its job to an entry older than its request.
 *
 * Returns the reports whose rows took the answer (none when the job was settled meanwhile), or null
 * when the cache does not answer and the job needs its call.
 */
export async function answerFromCache(db: Db, job: LookupJobRow, cacheTtlMs: number, now: number): Promise<string[] | null> {
  const freshAfter = now - cacheTtlMs;
  const limit = (forcedAfter: number) => Math.max(freshAfter, forcedAfter - 1);
  if (!(await cache.findFreshEntryKey(db, job.hash, limit(job.fresh_after)))) return null;
  return db.transaction().execute(async (trx) => {
    const forcedAfter = await jobs.findJobFreshAfter(trx, job.id);
    // Settled meanwhile: nothing to send, look for the next job.
    if (forcedAfter === null) return [];
    const key = await cache.findFreshEntryKey(trx, job.hash, limit(forcedAfter));
    if (!key) return null;
    await jobs.deleteJob(trx, job.id);
    return resolvePendingFromCache(trx, { entryKey: key, freshAfter, fromCache: true, now });
  });
}
