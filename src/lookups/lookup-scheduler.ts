import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { ApiKey } from './api-key.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { FairShare, type Shares } from './fair-share.js';
import type { KeyRing } from './key-ring.js';
import type { LookupFailure } from './lookup-engine.js';
import type { LookupRunner } from './lookup-pool.js';
import type { LookupType, LookupOutcome } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';
import * as cache from './cache.repository.js';
import type { Thresholds } from './verdict.js';
import * as jobs from './job.repository.js';
import { failPendingRows, resolvePendingFromCache } from './row-resolution.repository.js';

export interface SchedulerOptions {
  apiUrl: string;
  cacheTtlMs: number;
  /** Per request; a lookup that takes longer counts as a transient failure. */
  timeoutMs: number;
  /** Requests in flight at once; the limiter, not this, sets the pace. */
  maxInFlight: number;
  /** Tries per hash for transient failures before the row becomes an error. */
  maxAttempts: number;
  /** First retry delay; doubles each attempt, with jitter. */
  retryBaseMs: number;
  /** How often leases whose lookup never settled (a store that failed) go back to the queue. */
  leaseCheckMs?: number;
  /** How domains' and IPs' answers become verdicts. */
  thresholds: Thresholds;
  /**
   * How often to look for work nobody woke us for: reports another process created (the connector's
   * `--once` run, a second app on the same database). Default 5 s; one indexed query when idle.
   */
  pollMs?: number;
  now?: () => number;
}

export interface SchedulerDeps {
  db: Db;
  runner: LookupRunner;
  keys: KeyRing;
  breaker: CircuitBreaker;
  logger: Logger;
  /** Called after rows of these reports changed, inside no transaction. */
  onReportsTouched: (reportIds: string[]) => Promise<void>;
}

/** Failures kept for the dashboard. */
const RECENT_FAILURES = 50;

interface Flight {
  job: LookupJobRow;
  key: ApiKey;
  callId: number;
  sentAt: number;
  /** Sent while the breaker was probing whether VirusTotal is back. */
  probe: boolean;
}

/**
 * Takes queued hashes in fair-share order (round-robin across users, then across each user's
 * reports), checks the cache again (another alias may have answered), takes a slot from a key that
 * serves the report's owner, leases the job, and hands it to the worker pool. Every outcome is settled
 * on the main thread in one transaction, so a crash leaves each job either queued or done.
 *
 * Calls in flight together are all of one hash type. VirusTotal only says which MD5, SHA-1 and
 * SHA-256 are the same file when it answers, and two different hashes of one type are never the same
 * file, so this is what keeps a file from being looked up twice under two of its names at once.
 * Types take turns in batches: after a switch, up to `maxInFlight` lookups of the new type go out
 * (from any report whose next rows have that type); then the next report in line whose row is of
 * another type waits for the flight to land, and the types switch. Served counts even out the turns.
 */
export class LookupScheduler {
  private readonly now: () => number;
  private readonly inFlight = new Map<Promise<void>, LookupType>();
  private readonly fair = new FairShare();
  private readonly failures: LookupFailure[] = [];
  private timer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private stopped = true;
  /** Lookups of the current type that may still join the flight before another type gets its turn. */
  private batchLeft = 0;
  /** Callers of whenIdle, resolved at the end of a pump pass that found nothing to send. */
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const released = await jobs.releaseAllLeases(this.deps.db);
    if (released > 0) this.deps.logger.info({ released }, 'returned interrupted lookups to the queue');
    this.stopped = false;
    this.leaseTimer = setInterval(() => void this.releaseExpired(), this.options.leaseCheckMs ?? 60_000);
    this.leaseTimer.unref();
    this.pollTimer = setInterval(() => this.wake(), this.options.pollMs ?? 5000);
    this.pollTimer.unref();
    this.wake();
  }

  private async releaseExpired(): Promise<void> {
    try {
      const released = await jobs.releaseExpiredLeases(this.deps.db, this.now());
      if (released > 0) {
        this.deps.logger.warn({ released }, 'returned lookups whose lease expired to the queue');
        this.wake();
      }
    } catch (err) {
      this.deps.logger.error({ err }, 'could not release expired leases');
    }
  }

  /** Something was queued or changed: look for work now. */
  wake(): void {
    if (this.stopped) return;
    void this.pump();
  }

  /**
   * Settles once no lookup is in flight, the pump is not running, and its last pass found nothing
   * that can go now (timers for later work may be set). For tests and shutdown tooling: "nothing
   * else will happen unless time passes or something new arrives".
   */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      // A pass that ends with nothing to do resolves waiters; start one in case none is coming.
      if (!this.pumping) void this.pump();
    });
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Calls served per user and per report so far, for queue-position estimates. */
  shares(): Shares {
    return this.fair.shares();
  }

  recentFailures(): LookupFailure[] {
    return [...this.failures].reverse();
  }

  /** Stops taking work, waits up to `graceMs` for lookups in flight, and returns the rest to the queue. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight.keys()]), grace]);
    await jobs.releaseAllLeases(this.deps.db);
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.dispatchOne()));
      } while (this.again && !this.stopped);
    } catch (err) {
      this.deps.logger.error({ err }, 'lookup scheduler failed; retrying in 5 s');
      this.wakeAt(this.now() + 5000);
    } finally {
      this.pumping = false;
    }
    this.settleIdleWaiters();
  }

  private settleIdleWaiters(): void {
    if (this.pumping || this.inFlight.size > 0 || this.idleWaiters.length === 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Sends (or answers from the cache) the next lookup in fair-share order. Returns false when nothing
   * can go now, having set a timer for when something can; a lookup coming back also wakes the pump.
   */
  private async dispatchOne(): Promise<boolean> {
    const { db, keys, breaker } = this.deps;
    const allowance = breaker.allowance(this.options.maxInFlight);
    if (this.inFlight.size >= allowance) {
      const until = breaker.pause()?.until;
      if (until != null) this.wakeAt(until);
      return false;
    }
    const now = this.now();
    const flightType = this.inFlight.values().next().value;
    let retryAt = Infinity;
    const blocked = new Set<number>();
    for (const report of this.fair.order(await jobs.listRunnableReports(db))) {
      if (blocked.has(report.userId)) continue;
      const can = keys.canServe(report.userId);
      if (!can.ok) {
        blocked.add(report.userId);
        if (can.retryAt != null) retryAt = Math.min(retryAt, can.retryAt);
        continue;
      }
      let job = await jobs.nextDueJobOfReport(db, report.reportId, now);
      if (!job) continue;
      if (await this.answerFromCache(job)) return true;
      if (flightType !== undefined && job.hash_type !== flightType) {
        // Another type is in flight. While its batch lasts, take this report's next row of that
        // type, if any; once it is over, wait for the flight to land (its end wakes the pump).
        if (this.batchLeft <= 0) return false;
        job = await jobs.nextDueJobOfReportOfType(db, report.reportId, now, flightType);
        if (!job) continue;
        if (await this.answerFromCache(job)) return true;
      }
      if (flightType === undefined) this.batchLeft = allowance;
      const grant = keys.acquireFor(report.userId);
      if (!grant.ok) {
        blocked.add(report.userId);
        if (grant.retryAt != null) retryAt = Math.min(retryAt, grant.retryAt);
        continue;
      }
      await jobs.leaseJob(db, job.id, now + this.options.timeoutMs * 2 + 5000);
      this.batchLeft--;
      this.fair.served(report);
      this.launch({ job, key: grant.key, callId: grant.callId, sentAt: now, probe: allowance === 1 && breaker.isTripped() });
      return true;
    }
    const backoff = await jobs.findEarliestBackoff(db, now);
    const next = Math.min(retryAt, backoff ?? Infinity);
    if (next !== Infinity) this.wakeAt(next);
    return false;
  }

  private launch(flight: Flight): void {
    const run = this.run(flight).finally(() => {
      this.inFlight.delete(run);
      this.wake();
    });
    this.inFlight.set(run, flight.job.hash_type);
  }

  /**
   * A job whose hash the cache already answers (another alias came back first) costs no call. A
   * forced refresh takes only an entry fetched since it was asked for. A hit is checked again inside
   * the transaction that deletes the job: a refresh forced in between raises the job's limit, and
   * must not lose its job to an entry older than its request.
   */
  private async answerFromCache(job: LookupJobRow): Promise<boolean> {
    const now = this.now();
    const freshAfter = now - this.options.cacheTtlMs;
    const limit = (forcedAfter: number) => Math.max(freshAfter, forcedAfter - 1);
    if (!(await cache.findFreshEntryKey(this.deps.db, job.hash, limit(job.fresh_after)))) return false;
    const touched = await this.deps.db.transaction().execute(async (trx) => {
      const forcedAfter = await jobs.findJobFreshAfter(trx, job.id);
      // Settled meanwhile: nothing to send, look for the next job.
      if (forcedAfter === null) return [];
      const key = await cache.findFreshEntryKey(trx, job.hash, limit(forcedAfter));
      if (!key) return null;
      await jobs.deleteJob(trx, job.id);
      return resolvePendingFromCache(trx, { entryKey: key, freshAfter, fromCache: true, now });
    });
    if (!touched) return false;
    await this.deps.onReportsTouched(touched);
    return true;
  }

  private async run(flight: Flight): Promise<void> {
    const { job, key } = flight;
    const outcome = await this.deps.keys
      .callsSaved()
      .then(() => this.deps.runner.run({ baseUrl: this.options.apiUrl, apiKey: key.secret, type: job.hash_type, value: job.hash, timeoutMs: this.options.timeoutMs }))
      .catch((err: unknown): LookupOutcome => ({ kind: 'transient', reason: `lookup worker failed: ${err instanceof Error ? err.message : String(err)}` }));
    try {
      this.deps.keys.answered(key, flight.callId);
      await this.settle(flight, outcome);
    } catch (err) {
      // The lease expires and the job runs again; nothing is lost.
      this.deps.logger.error({ err, hash: job.hash }, 'could not store a lookup result');
    }
  }

  private async settle(flight: Flight, outcome: LookupOutcome): Promise<void> {
    const { job, key } = flight;
    const now = this.now();
    const { db, logger, keys, breaker } = this.deps;
    if (outcome.kind !== 'found' && outcome.kind !== 'not_found') this.remember(flight, outcome);
    switch (outcome.kind) {
      case 'found':
      case 'not_found': {
        breaker.success();
        keys.keyWorks(key);
        const touched = await db.transaction().execute(async (trx) => {
          // Stamped inside the transaction, so every refresh forced before it commits asked before
          // this answer was stored: all rows waiting for the file take it, and no job is left behind.
          const fetchedAt = this.now();
          const entry =
            outcome.kind === 'found'
              ? await cache.upsertFoundEntry(trx, job.hash, outcome.summary, outcome.answer, fetchedAt, this.options.thresholds)
              : await cache.upsertNotFoundEntry(trx, job.hash, fetchedAt);
          await jobs.deleteJob(trx, job.id);
          await jobs.deleteQueuedJobsFor(trx, await cache.aliasesOf(trx, entry));
          return resolvePendingFromCache(trx, { entryKey: entry, freshAfter: fetchedAt - this.options.cacheTtlMs, fromCache: false, now: fetchedAt });
        });
        await this.deps.onReportsTouched(touched);
        return;
      }
      case 'quota': {
        // Quota never turns a row into an error: the row goes back and the key waits.
        breaker.success();
        await jobs.requeueJob(db, job.id, { notBefore: 0 });
        const pause = keys.quotaExceeded(key, flight.sentAt);
        logger.warn({ key: key.id, hash: job.hash, until: pause?.until ? new Date(pause.until).toISOString() : null, code: outcome.code }, 'VirusTotal quota exceeded; pausing the key');
        if (pause?.until != null) this.wakeAt(pause.until);
        return;
      }
      case 'auth': {
        breaker.success();
        await jobs.requeueJob(db, job.id, { notBefore: 0 });
        const pause = keys.keyRefused(key, outcome.code);
        logger.error({ key: key.id, code: outcome.code }, 'VirusTotal refused an API key; pausing the key');
        if (pause?.until != null) this.wakeAt(pause.until);
        return;
      }
      case 'transient': {
        // A call that was already out when VirusTotal was found to be down tells nothing about this row.
        const counts = !breaker.isTripped() || flight.probe;
        if (breaker.failure(outcome.reason, job.hash)) {
          const pause = breaker.pause();
          logger.error({ reason: outcome.reason, until: pause?.until ? new Date(pause.until).toISOString() : null }, 'VirusTotal looks down; pausing all lookups');
          if (pause?.until != null) this.wakeAt(pause.until);
        }
        const attempts = job.attempts + (counts ? 1 : 0);
        if (attempts < this.options.maxAttempts) {
          const delay = counts ? this.options.retryBaseMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4) : 0;
          await jobs.requeueJob(db, job.id, { notBefore: now + Math.round(delay), attempts, lastError: outcome.reason });
          logger.warn({ hash: job.hash, attempts, reason: outcome.reason }, 'lookup failed; will retry');
          return;
        }
        await this.fail(job, `${outcome.reason} (gave up after ${attempts} attempts)`);
        return;
      }
      case 'rejected':
        breaker.success();
        keys.keyWorks(key);
        await this.fail(job, outcome.reason);
        return;
    }
  }

  private remember(flight: Flight, outcome: Exclude<LookupOutcome, { kind: 'found' | 'not_found' }>): void {
    const reason = 'reason' in outcome ? outcome.reason : `${outcome.code}: ${outcome.message}`;
    this.failures.push({ at: this.now(), hash: flight.job.hash, keyId: flight.key.id, kind: outcome.kind, reason });
    if (this.failures.length > RECENT_FAILURES) this.failures.shift();
  }

  /** Errors are never cached: the next upload of the hash tries again. */
  private async fail(job: LookupJobRow, reason: string): Promise<void> {
    const now = this.now();
    const touched = await this.deps.db.transaction().execute(async (trx) => {
      await jobs.deleteJob(trx, job.id);
      return failPendingRows(trx, job.hash, reason, now);
    });
    this.deps.logger.warn({ hash: job.hash, reason }, 'lookup gave up');
    await this.deps.onReportsTouched(touched);
  }

  private wakeAt(at: number): void {
    if (this.stopped) return;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.wake();
    }, Math.max(0, at - this.now()));
    this.timer.unref();
  }
}
