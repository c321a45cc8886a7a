import type { Db } from '../shared/database.js';
import type { ApiKey } from './api-key.js';
import { FairShare, type Runnable, type Shares } from './fair-share.js';
import * as jobs from './job.repository.js';
import type { KeyRing } from './key-ring.js';
import type { LookupType } from './lookup.types.js';
import type { LookupJobRow } from './lookup.table.js';

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

  /** `allowance`: calls the breaker lets fly at once; `flightType`: the type of those in flight, if any. */
  async next(now: number, allowance: number, flightType: LookupType | undefined): Promise<Selection> {
    const { db, keys } = this;
    let retryAt = Infinity;
    const blocked = new Set<number>();
    const block = (userId: number, at: number | null) => {
      blocked.add(userId);
      if (at != null) retryAt = Math.min(retryAt, at);
    };
    for (const report of this.fair.order(await jobs.listRunnableReports(db))) {
      if (blocked.has(report.userId)) continue;
      const can = keys.canServe(report.userId);
      if (!can.ok) {
        block(report.userId, can.retryAt);
        continue;
      }
      let job = await jobs.nextDueJobOfReport(db, report.reportId, now);
      if (!job) continue;
      if (await this.answerFromCache(job)) return { kind: 'answered' };
      if (flightType !== undefined && job.hash_type !== flightType) {
        // Another type is in flight. While its batch lasts, take this report's next row of that
        // type, if any; once it is over, wait for the flight to land (its end wakes the pump).
        if (this.batchLeft <= 0) return { kind: 'none', retryAt: Infinity };
        job = await jobs.nextDueJobOfReportOfType(db, report.reportId, now, flightType);
        if (!job) continue;
        if (await this.answerFromCache(job)) return { kind: 'answered' };
      }
      if (flightType === undefined) this.batchLeft = allowance;
      const grant = keys.acquireFor(report.userId);
      if (!grant.ok) {
        block(report.userId, grant.retryAt);
        continue;
      }
      return { kind: 'call', report, job, key: grant.key, callId: grant.callId };
    }
    const backoff = await jobs.findEarliestBackoff(db, now);
    return { kind: 'none', retryAt: Math.min(retryAt, backoff ?? Infinity) };
  }

  /** The selected call was leased and goes out: it counts in the batch and in the turns. */
  sent(report: Runnable): void {
    this.batchLeft--;
    this.fair.served(report);
  }
}
