import type { Db } from '../shared/database.js';
import type { ApiKey } from './api-key.js';
import { FairShare, type Runnable, type Shares } from './fair-share.js';
import * as jobs from './job.repository.js';
import type { KeyRing } from './key-ring.js';
import type { LookupType } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';

/** What one pass has learnt so far: users whose keys are full, the earliest retry, and whether an interactive lookup waits. */
interface Turn {
  retryAt: number;
  blocked: Set<number>;
  waiting: boolean;
}

/** What may happen next: the cache answered a job (look again), a call to make, or nothing until `retryAt` (Infinity: until woken). */
export type Selection =
  | { kind: 'answered' }
  | { kind: 'call'; report: Runnable; job: LookupJobRow; key: ApiKey; callId: number }
  | { kind: 'none'; retryAt: number };

/**
 * Picks the next lookup: queued hashes in fair-share order (round-robin across users, then across
 * each user's reports), skipping users none of whose keys can send now, asking the cache again
 * first (another alias may have answered), and taking a slot from a key that serves the owner.
 *
 * Calls in flight together are all of one hash type. VirusTotal only says which MD5, SHA-1 and
 * SHA-256 are the same file when it answers, and two different hashes of one type are never the same
 * file, so this is what keeps a file from being looked up twice under two of its names at once.
 * Types take turns in batches: after a switch, up to `maxInFlight` lookups of the new type go out
 * (from any report whose next rows have that type); then the next report in line whose row is of
 * another type waits for the flight to land, and the types switch. Served counts even out the turns.
 */
export class DispatchSelection {
  /** Lookups of the current type that may still join the flight before another type gets its turn. */
  private batchLeft = 0;

  constructor(
    private readonly db: Db,
    private readonly keys: KeyRing,
    /** Answers the job from the cache when it can; true when it did. */
    private readonly answerFromCache: (job: LookupJobRow) => Promise<boolean>,
    /** The turns; the engine owns them so it can save and restore them. */
    private readonly fair: FairShare = new FairShare(),
  ) {}

  /** Calls served per user and per report so far, for queue-position estimates. */
  shares(): Shares {
    return this.fair.shares();
  }

  /**
   * `allowance`: calls the breaker lets fly at once; `flightType`: the type of those in flight, if any.
   * Watched reports' re-checks take the lowest turn: one is looked at only when no interactive report
   * has a lookup that could go now (its owner's keys being full does not hold them back, as a call
   * the owner cannot make takes nothing from them).
   */
  async next(now: number, allowance: number, flightType: LookupType | undefined): Promise<Selection> {
    const runnable = await jobs.listRunnableReports(this.db);
    const turn: Turn = { retryAt: Infinity, blocked: new Set<number>(), waiting: false };
    for (const report of this.fair.order(runnable.filter((r) => !r.recheck))) {
      const picked = await this.tryReport(report, now, allowance, flightType, turn);
      if (picked) return picked;
    }
    if (!turn.waiting) {
      for (const { reportId, userId } of runnable.filter((r) => r.recheck)) {
        const picked = await this.tryReport({ reportId, userId }, now, allowance, flightType, turn);
        if (picked) return picked;
      }
    }
    const backoff = await jobs.findEarliestBackoff(this.db, now);
    return { kind: 'none', retryAt: Math.min(turn.retryAt, backoff ?? Infinity) };
  }

  /** The report's next call, the cache's answer, or a wait; null to go on to the next report. */
  private async tryReport(report: Runnable, now: number, allowance: number, flightType: LookupType | undefined, turn: Turn): Promise<Selection | null> {
    const { db, keys } = this;
    const block = (userId: number, at: number | null) => {
      turn.blocked.add(userId);
      if (at != null) turn.retryAt = Math.min(turn.retryAt, at);
    };
    if (turn.blocked.has(report.userId)) return null;
    const can = keys.canServe(report.userId);
    if (!can.ok) {
      block(report.userId, can.retryAt);
      return null;
    }
    let job = await jobs.nextDueJobOfReport(db, report.reportId, now);
    if (!job) return null;
    turn.waiting = true;
    if (await this.answerFromCache(job)) return { kind: 'answered' };
    if (flightType !== undefined && job.hash_type !== flightType) {
      // Another type is in flight. While its batch lasts, take this report's next row of that
      // type, if any; once it is over, wait for the flight to land (its end wakes the pump).
      if (this.batchLeft <= 0) return { kind: 'none', retryAt: Infinity };
      job = await jobs.nextDueJobOfReportOfType(db, report.reportId, now, flightType);
      if (!job) return null;
      if (await this.answerFromCache(job)) return { kind: 'answered' };
    }
    if (flightType === undefined) this.batchLeft = allowance;
    const grant = keys.acquireFor(report.userId);
    if (!grant.ok) {
      block(report.userId, grant.retryAt);
      return null;
    }
    return { kind: 'call', report, job, key: grant.key, callId: grant.callId };
  }

  /** The selected call was leased and goes out: it counts in the batch and in the turns. */
  sent(report: Runnable): void {
    this.batchLeft--;
    this.fair.served(report);
  }
}
