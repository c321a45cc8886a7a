import type { Db } from '../shared/database.js';
import { deleteEntriesFetchedBefore } from './cache.repository.js';

/**
 * Deletes cache entries older than the TTL. Reports keep their own copy of every answer, so
 * eviction changes no report; it only means the next upload of that hash asks VirusTotal again.
 */
export async function evictExpiredCache(db: Db, ttlMs: number, now = Date.now()): Promise<number> {
  return deleteEntriesFetchedBefore(db, now - ttlMs);
}
