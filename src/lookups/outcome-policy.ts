import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { ApiKey } from './api-key.js';
import * as cache from './cache.repository.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import * as jobs from './job.repository.js';
import type { KeyRing } from './key-ring.js';
import type { LookupOutcome } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';
import { failPendingRows, resolvePendingFromCache } from './row-resolution.repository.js';
import type { Thresholds } from './verdict.js';

/** One call to VirusTotal on its way, as it is settled when it comes back. */
export interface Flight {
  job: LookupJobRow;
  key: ApiKey;
  callId: number;
  sentAt: number;
  /** Sent while the breaker was probing whether VirusTotal is back. */
  probe: boolean;
}

export interface OutcomePolicy {
  db: Db;
  logger: Logger;
  keys: KeyRing;
  breaker: CircuitBreaker;
  cacheTtlMs: number;
  thresholds: Thresholds;
  /** Tries per hash for transient failures before the row becomes an error. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter. */
  retryBaseMs: number;
  now: () => number;
  /** Called after rows of these reports changed, inside no transaction. */
  onReportsTouched: (reportIds: string[]) => Promise<void>;
  /** A pause ends at `at`: look for work again then. */
  wakeAt: (at: number) => void;
}

/**
 * The one decision table for what a call came to: an answer is stored and fills every row waiting
 * for the file; quota and refused keys put the row back and pause the key; transient failures retry
 * with backoff until `maxAttempts`; anything else is an error on the row.
 */
export async function settleOutcome(policy: OutcomePolicy, flight: Flight, outcome: LookupOutcome): Promise<void> {
  const { job, key } = flight;
  const now = policy.now();
  const { db, logger, keys, breaker } = policy;
  switch (outcome.kind) {
    case 'found':
    case 'not_found':
      breaker.success();
      keys.keyWorks(key);
      await storeAnswer(policy, job, outcome);
      return;
    case 'quota': {
      // Quota never turns a row into an error: the row goes back and the key waits.
      breaker.success();
      await jobs.requeueJob(db, job.id, { notBefore: 0 });
      const pause = keys.quotaExceeded(key, flight.sentAt);
      logger.warn({ key: key.id, hash: job.hash, until: pause?.until ? new Date(pause.until).toISOString() : null, code: outcome.code }, 'VirusTotal quota exceeded; pausing the key');
      if (pause?.until != null) policy.wakeAt(pause.until);
      return;
    }
    case 'auth': {
      breaker.success();
      await jobs.requeueJob(db, job.id, { notBefore: 0 });
      const pause = keys.keyRefused(key, outcome.code);
      logger.error({ key: key.id, code: outcome.code }, 'VirusTotal refused an API key; pausing the key');
      if (pause?.until != null) policy.wakeAt(pause.until);
      return;
    }
    case 'transient':
      await retryOrFail(policy, flight, outcome.reason, now);
      return;
    case 'rejected':
      breaker.success();
      keys.keyWorks(key);
      await fail(policy, job, outcome.reason);
      return;
  }
}

async function storeAnswer(policy: OutcomePolicy, job: LookupJobRow, outcome: Extract<LookupOutcome, { kind: 'found' | 'not_found' }>): Promise<void> {
  const touched = await policy.db.transaction().execute(async (trx) => {
    // Stamped inside the transaction, so every refresh forced before it commits asked before
    // this answer was stored: all rows waiting for the file take it, and no job is left behind.
    const fetchedAt = policy.now();
    const entry =
      outcome.kind === 'found'
        ? await cache.upsertFoundEntry(trx, job.hash, outcome.summary, outcome.answer, fetchedAt, policy.thresholds)
        : await cache.upsertNotFoundEntry(trx, job.hash, fetchedAt);
    await jobs.deleteJob(trx, job.id);
    await jobs.deleteQueuedJobsFor(trx, await cache.aliasesOf(trx, entry));
    return resolvePendingFromCache(trx, { entryKey: entry, freshAfter: fetchedAt - policy.cacheTtlMs, fromCache: false, now: fetchedAt });
  });
  await policy.onReportsTouched(touched);
}

async function retryOrFail(policy: OutcomePolicy, flight: Flight, reason: string, now: number): Promise<void> {
  const { job } = flight;
  const { breaker, logger } = policy;
  // A call that was already out when VirusTotal was found to be down tells nothing about this row.
  const counts = !breaker.isTripped() || flight.probe;
  if (breaker.failure(reason, job.hash)) {
    const pause = breaker.pause();
    logger.error({ reason, until: pause?.until ? new Date(pause.until).toISOString() : null }, 'VirusTotal looks down; pausing all lookups');
    if (pause?.until != null) policy.wakeAt(pause.until);
  }
  const attempts = job.attempts + (counts ? 1 : 0);
  if (attempts < policy.maxAttempts) {
    const delay = counts ? retryDelay(policy.retryBaseMs, attempts) : 0;
    await jobs.requeueJob(policy.db, job.id, { notBefore: now + Math.round(delay), attempts, lastError: reason });
    logger.warn({ hash: job.hash, attempts, reason }, 'lookup failed; will retry');
    return;
  }
  await fail(policy, job, `${reason} (gave up after ${attempts} attempts)`);
}

/** `retryBaseMs` doubled per attempt after the first, give or take 20 % so retries do not come back together. */
function retryDelay(retryBaseMs: number, attempts: number): number {
  return retryBaseMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4);
}

/** Errors are never cached: the next upload of the hash tries again. */
async function fail(policy: OutcomePolicy, job: LookupJobRow, reason: string): Promise<void> {
  const now = policy.now();
  const touched = await policy.db.transaction().execute(async (trx) => {
    await jobs.deleteJob(trx, job.id);
    return failPendingRows(trx, job.hash, reason, now);
  });
  policy.logger.warn({ hash: job.hash, reason }, 'lookup gave up');
  await policy.onReportsTouched(touched);
}
