import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import { answerFromCache } from './cache-shortcut.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { DispatchSelection } from './dispatch-selection.js';
import type { FairShare, Shares } from './fair-share.js';
import * as jobs from './job.repository.js';
import type { KeyRing } from './key-ring.js';
import type { LookupRunner } from './lookup-pool.js';
import type { LookupOutcome, LookupType } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';
import { settleOutcome, type Flight, type OutcomePolicy } from './outcome-policy.js';
import { RecentFailures, type LookupFailure } from './recent-failures.js';
import type { Thresholds } from './verdict.js';
import { WakeTimer } from './wake-timer.js';

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
  /** The fair-share turns, when the caller keeps them (to save and restore them). */
  fair?: FairShare;
}

/**
 * Takes queued hashes in fair-share order (see DispatchSelection, which also says why calls in flight
 * are all of one hash type), checks the cache again, takes a slot from a key that serves the report's
 * owner, leases the job, and hands it to the worker pool. Every outcome is settled on the main thread
 * in one transaction (see settleOutcome), so a crash leaves each job either queued or done.
 */
export class LookupScheduler {
  private readonly now: () => number;
  private readonly inFlight = new Map<Promise<void>, LookupType>();
  /** Jobs this scheduler leased and has not settled, with their lease's expiry: what it returns when it stops. */
  private readonly leased = new Map<number, number>();
  private readonly selection: DispatchSelection;
  private readonly policy: OutcomePolicy;
  private readonly failures = new RecentFailures();
  private readonly timer: WakeTimer;
  private leaseTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private stopped = true;
  /** The last pass found nothing to send with nothing in flight, and no pass has begun since. */
  private idle = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly options: SchedulerOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.timer = new WakeTimer(this.now, () => this.wake());
    this.selection = new DispatchSelection(deps.db, deps.keys, (job) => this.answerFromCache(job), deps.fair);
    const { db, logger, keys, breaker, onReportsTouched } = deps;
    const { cacheTtlMs, thresholds, maxAttempts, retryBaseMs } = options;
    this.policy = { db, logger, keys, breaker, onReportsTouched, cacheTtlMs, thresholds, maxAttempts, retryBaseMs, now: this.now, wakeAt: (at) => this.wakeAt(at) };
  }

  /**
   * Called on the one dispatcher only (see runtime's leader duties): every lease in the table belongs
   * to a dispatcher that died or stepped down, so all of them go back to the queue.
   */
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
   * Resolves once nothing is in flight, no pass is running, and the last pass found nothing that
   * could go now (work may still wait for a backoff or a quota window). Also once stopped.
   */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Calls served per user and per report so far, for queue-position estimates. */
  shares(): Shares {
    return this.selection.shares();
  }

  recentFailures(): LookupFailure[] {
    return this.failures.list();
  }

  /**
   * Stops taking work, waits up to `graceMs` for lookups in flight, and returns the rest to the
   * queue: its own leases only, since another instance may be dispatching by now.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.stopped) return this.becameIdle();
    this.stopped = true;
    this.timer.clear();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.inFlight.keys()]), grace]);
    await jobs.releaseLeases(this.deps.db, [...this.leased].map(([id, until]) => ({ id, until })));
    this.leased.clear();
    this.becameIdle();
  }

  private async pump(): Promise<void> {
    this.idle = false;
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
      if (this.inFlight.size === 0) this.becameIdle();
    } catch (err) {
      this.deps.logger.error({ err }, 'lookup scheduler failed; retrying in 5 s');
      this.wakeAt(this.now() + 5000);
    } finally {
      this.pumping = false;
    }
  }

  private becameIdle(): void {
    this.idle = true;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Sends (or answers from the cache) the next lookup in fair-share order. Returns false when nothing
   * can go now, having set a timer for when something can; a lookup coming back also wakes the pump.
   */
  private async dispatchOne(): Promise<boolean> {
    const { db, breaker } = this.deps;
    const allowance = breaker.allowance(this.options.maxInFlight);
    if (this.inFlight.size >= allowance) {
      const until = breaker.pause()?.until;
      if (until != null) this.wakeAt(until);
      return false;
    }
    const now = this.now();
    const next = await this.selection.next(now, allowance, this.inFlight.values().next().value);
    if (next.kind === 'answered') return true;
    if (next.kind === 'none') {
      if (next.retryAt !== Infinity) this.wakeAt(next.retryAt);
      return false;
    }
    const until = now + this.options.timeoutMs * 2 + 5000;
    await jobs.leaseJob(db, next.job.id, until);
    this.leased.set(next.job.id, until);
    this.selection.sent(next.report);
    this.launch({ job: next.job, key: next.key, callId: next.callId, sentAt: now, probe: allowance === 1 && breaker.isTripped() });
    return true;
  }

  private launch(flight: Flight): void {
    const run = this.run(flight).finally(() => {
      this.inFlight.delete(run);
      this.leased.delete(flight.job.id);
      this.wake();
    });
    this.inFlight.set(run, flight.job.hash_type);
  }

  private async answerFromCache(job: LookupJobRow): Promise<boolean> {
    const touched = await answerFromCache(this.deps.db, job, this.options.cacheTtlMs, this.now());
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
      this.failures.record(this.now(), job.hash, key.id, outcome);
      await settleOutcome(this.policy, flight, outcome);
    } catch (err) {
      // The lease expires and the job runs again; nothing is lost.
      this.deps.logger.error({ err, hash: job.hash }, 'could not store a lookup result');
    }
  }

  private wakeAt(at: number): void {
    if (!this.stopped) this.timer.wakeAt(at);
  }
}
