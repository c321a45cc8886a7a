import type { Db } from '../shared/database.js';
import { deleteEntriesFetchedBefore, deleteUnreferencedAnswers } from './cache.repository.js';

/**
 * Deletes cache entries older than the TTL. Reports keep their own copy of every answer, so
 * eviction changes no report; it only means the next upload of that hash asks VirusTotal again.
 */
export async function evictExpiredCache(db: Db, ttlMs: number, now = Date.now()): Promise<number> {
  const evicted = await deleteEntriesFetchedBefore(db, now - ttlMs);
  // Whole answers stay while a report row points at them.
  await deleteUnreferencedAnswers(db);
  return evicted;
}
