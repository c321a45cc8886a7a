import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { LookupRunner } from './lookup-pool.js';
import type { LookupOutcome } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';
import { nextUtcMidnight, type RateLimiter } from './rate-limiter.js';
import type { Pause } from './pause.js';
import * as cache from './cache.repository.js';
import * as jobs from './job.repository.js';
import { failPendingRows, resolvePendingFromCache } from './row-resolution.repository.js';

export interface SchedulerOptions {
  apiKey: string | undefined;
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
  /** How long a wrong key waits before one probe tries again. */
  authRetryMs: number;
  /** How often leases whose lookup never settled (a store that failed) go back to the queue. */
  leaseCheckMs?: number;
  now?: () => number;
}

export interface SchedulerDeps {
  db: Db;
  runner: LookupRunner;
  limiter: RateLimiter;
  logger: Logger;
  /** Called after rows of these reports changed, inside no transaction. */
  onReportsTouched: (reportIds: string[]) => Promise<void>;
}

/** After this many 429s in a row while our own counts say there is room, assume the day is used up elsewhere. */
const QUOTA_STRIKES_FOR_DAY = 3;

/**
 * Takes queued hashes one at a time, checks the cache again (another alias may have answered),
 * takes a slot from the limiter, leases the job, and hands it to the worker pool. Every outcome is
 * settled on the main thread in one transaction, so a crash leaves each job either queued or done.
 */
export class LookupScheduler {
  private readonly now: () => number;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private stopped = true;
  private pause: Pause | null = null;
  private quotaStrikes = 0;
  /** When the last 429 came back; 429s to calls sent before it belong to the same burst. */
  private lastQuotaAt = -Infinity;
  /** After a refused key's pause ends, one call at a time until an answer shows the key works. */
  private probing = false;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
    if (!options.apiKey) {
      this.pause = { reason: 'no_key', message: 'Lookups are waiting for a VirusTotal API key (set VT_API_KEY and restart).', until: null };
    }
  }

  async start(): Promise<void> {
    const released = await jobs.releaseAllLeases(this.deps.db);
    if (released > 0) this.deps.logger.info({ released }, 'returned interrupted lookups to the queue');
    this.stopped = false;
    this.leaseTimer = setInterval(() => void this.releaseExpired(), this.options.leaseCheckMs ?? 60_000);
    this.leaseTimer.unref();
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

  currentPause(): Pause | null {
    if (this.pause?.until != null && this.pause.until <= this.now()) {
      if (this.pause.reason === 'wrong_key') this.probing = true;
      this.pause = null;
    }
    return this.pause;
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Stops taking work, waits up to `graceMs` for lookups in flight, and returns the rest to the queue. */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
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
        await this.dispatchWhilePossible();
      } while (this.again && !this.stopped);
    } catch (err) {
      this.deps.logger.error({ err }, 'lookup scheduler failed; retrying in 5 s');
      this.wakeAt(this.now() + 5000);
    } finally {
      this.pumping = false;
    }
  }

  private async dispatchWhilePossible(): Promise<void> {
    const { db } = this.deps;
    while (!this.stopped && this.inFlight.size < (this.probing ? 1 : this.options.maxInFlight)) {
      const pause = this.currentPause();
      if (pause) {
        if (pause.until != null) this.wakeAt(pause.until);
        return;
      }
      const now = this.now();
      const job = await jobs.findNextDueJob(db, now);
      if (!job) {
        const next = await jobs.findEarliestBackoff(db, now);
        if (next != null) this.wakeAt(next);
        return;
      }
      if (await this.answerFromCache(job)) continue;
      const slot = this.deps.limiter.acquireCall();
      if (!slot.ok) {
        this.wakeAt(slot.retryAt);
        return;
      }
      await jobs.leaseJob(db, job.id, now + this.options.timeoutMs * 2 + 5000);
      const run = this.run(job, slot.callId, now).finally(() => {
        this.inFlight.delete(run);
        this.wake();
      });
      this.inFlight.add(run);
    }
  }

  /** A job whose hash the cache already answers (another alias came back first) costs no call. */
  private async answerFromCache(job: LookupJobRow): Promise<boolean> {
    const now = this.now();
    const key = await cache.findFreshEntryKey(this.deps.db, job.hash, now - this.options.cacheTtlMs);
    if (!key) return false;
    const touched = await this.deps.db.transaction().execute(async (trx) => {
      await jobs.deleteJob(trx, job.id);
      return resolvePendingFromCache(trx, { entryKey: key, freshAfter: now - this.options.cacheTtlMs, fromCache: true, now });
    });
    await this.deps.onReportsTouched(touched);
    return true;
  }

  private async run(job: LookupJobRow, callId: number, sentAt: number): Promise<void> {
    const outcome = await this.deps.runner
      .run({ baseUrl: this.options.apiUrl, apiKey: this.options.apiKey ?? '', hash: job.hash, timeoutMs: this.options.timeoutMs })
      .catch((err: unknown): LookupOutcome => ({ kind: 'transient', reason: `lookup worker failed: ${err instanceof Error ? err.message : String(err)}` }));
    try {
      this.deps.limiter.answered(callId);
      await this.settle(job, outcome, sentAt);
    } catch (err) {
      // The lease expires and the job runs again; nothing is lost.
      this.deps.logger.error({ err, hash: job.hash }, 'could not store a lookup result');
    }
  }

  private async settle(job: LookupJobRow, outcome: LookupOutcome, sentAt: number): Promise<void> {
    const now = this.now();
    const { db, logger } = this.deps;
    if (outcome.kind !== 'auth' && outcome.kind !== 'transient') this.probing = false;
    switch (outcome.kind) {
      case 'found':
      case 'not_found': {
        this.quotaStrikes = 0;
        const touched = await db.transaction().execute(async (trx) => {
          const key =
            outcome.kind === 'found'
              ? await cache.upsertFoundEntry(trx, job.hash, outcome.verdict, now)
              : await cache.upsertNotFoundEntry(trx, job.hash, now);
          await jobs.deleteJob(trx, job.id);
          await jobs.deleteQueuedJobsFor(trx, await cache.aliasesOf(trx, key));
          return resolvePendingFromCache(trx, { entryKey: key, freshAfter: now - this.options.cacheTtlMs, fromCache: false, now });
        });
        await this.deps.onReportsTouched(touched);
        return;
      }
      case 'quota': {
        // Quota never turns a row into an error: the row goes back and everything waits.
        await jobs.requeueJob(db, job.id, { notBefore: 0 });
        // Calls already in flight when a 429 came back get theirs too: one burst is one strike.
        if (sentAt >= this.lastQuotaAt) this.quotaStrikes++;
        this.lastQuotaAt = Math.max(this.lastQuotaAt, now);
        const snapshot = this.deps.limiter.snapshot();
        const dayGone = snapshot.dayExhausted || this.quotaStrikes >= QUOTA_STRIKES_FOR_DAY;
        const until = dayGone ? nextUtcMidnight(now) : now + this.deps.limiter.windowMs;
        this.setPause({
          reason: 'quota',
          message: dayGone
            ? 'VirusTotal says the daily quota is used up; lookups resume at 00:00 UTC.'
            : 'VirusTotal says the per-minute quota is used up; lookups resume within a minute.',
          until,
        });
        logger.warn({ hash: job.hash, until: new Date(until).toISOString(), code: outcome.code }, 'VirusTotal quota exceeded; pausing lookups');
        return;
      }
      case 'auth': {
        await jobs.requeueJob(db, job.id, { notBefore: 0 });
        this.setPause({
          reason: 'wrong_key',
          message: `VirusTotal refused the API key (${outcome.code}). Lookups are paused; check VT_API_KEY.`,
          until: now + this.options.authRetryMs,
        });
        logger.error({ code: outcome.code }, 'VirusTotal refused the API key; pausing lookups');
        return;
      }
      case 'transient': {
        const attempts = job.attempts + 1;
        if (attempts < this.options.maxAttempts) {
          const delay = this.options.retryBaseMs * 2 ** (attempts - 1) * (0.8 + Math.random() * 0.4);
          await jobs.requeueJob(db, job.id, { notBefore: now + Math.round(delay), attempts, lastError: outcome.reason });
          logger.warn({ hash: job.hash, attempts, reason: outcome.reason }, 'lookup failed; will retry');
          return;
        }
        await this.fail(job, `${outcome.reason} (gave up after ${attempts} attempts)`);
        return;
      }
      case 'rejected':
        await this.fail(job, outcome.reason);
        return;
    }
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

  private setPause(pause: Pause): void {
    this.pause = pause;
    if (pause.until != null) this.wakeAt(pause.until);
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
