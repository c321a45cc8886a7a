import { gunzipSync } from 'node:zlib';
import type { Transaction } from 'kysely';
import type { Executor } from '../shared/database.js';
import type { Database } from '../shared/schema.js';
import { findAnswerBody, findEntry, findFreshEntryKey } from './cache.repository.js';
import { enqueueForcedJob, enqueuePendingOfReport, type LineRange } from './job.repository.js';
import type { LookupType } from './lookup.types.js';
import { resolvePendingFromCache } from './row-resolution.repository.js';

// The one door from reports, the API and the connector into lookups. They make rows pending in their
// own tables and transactions; what happens next (the cache, the queue, the estimate) is asked for
// here. After their transaction commits they tell the engine (`LookupEngine.queued`).

export { estimateReport, type Estimate, type LookupStatus } from './report-estimate.js';
export type { HashType, LookupType } from './lookup.types.js';

type Trx = Transaction<Database>;

/**
 * The report's pending rows: those the cache answers (fetched inside the TTL) take the answer now;
 * every other distinct value gets one job. Run in the transaction that made the rows pending, or, for
 * a big upload still invisible, a range of its lines at a time (`lines`, both ends included).
 */
export async function queueReportRows(trx: Trx, reportId: string, cacheTtlMs: number, now: number, lines?: LineRange): Promise<void> {
  await resolvePendingFromCache(trx, { reportId, freshAfter: now - cacheTtlMs, fromCache: true, now, ...(lines ? { lines } : {}) });
  await enqueuePendingOfReport(trx, reportId, now, lines);
}

/** One job per distinct value of the report's pending rows; the caller has already asked the cache. */
export async function queueWaitingRows(trx: Trx, reportId: string, now: number): Promise<void> {
  await enqueuePendingOfReport(trx, reportId, now);
}

/**
 * A lookup that takes only an answer fetched from `now` on (a forced refresh). A job already queued
 * for the value stays the one job, so refreshes at once cost one call.
 */
export async function queueForcedLookup(trx: Trx, value: { hash: string; hashType: LookupType }, now: number): Promise<void> {
  await enqueueForcedJob(trx, { hash: value.hash, hashType: value.hashType, freshAfter: now }, now);
}

/** The cache entry that answers `value` (any alias) with an answer fetched after `freshAfter`, or null. */
export async function findFreshAnswer(db: Executor, value: string, freshAfter: number) {
  const key = await findFreshEntryKey(db, value, freshAfter);
  return key === null ? null : ((await findEntry(db, key)) ?? null);
}

/** VirusTotal's whole answer that a row was filled from, parsed; null when none is stored. */
export async function readWholeAnswer(db: Executor, answerId: number | null): Promise<unknown> {
  const body = answerId == null ? null : await findAnswerBody(db, answerId);
  return body ? (JSON.parse(gunzipSync(body).toString('utf8')) as unknown) : null;
}
