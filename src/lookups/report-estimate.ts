import type { Executor } from '../shared/database.js';
import { estimateFinish } from './eta.js';
import { pendingOfActiveReports } from '../reports/report-counts.repository.js';
import type { LookupEngine } from './lookup-engine.js';
import type { Pause } from './pause.js';
import { callsUntilDone, withMorePending } from './queue-position.js';
import { nextUtcMidnight } from './rate-limiter.js';
import { stallOf, type Stall } from './stall.js';

/** What an estimate needs to know of the engine: pauses, the owner's quota and the turns served. */
export type LookupStatus = Pick<LookupEngine, 'bannerFor' | 'blockedFor' | 'quotaFor' | 'servesOnlyOwnKey' | 'shares'>;

export interface Estimate {
  /** Expected finish, or null when lookups cannot run (no key, every key that serves the owner refused). */
  finishAt: Date | null;
  /** Calls until then, this report's and, by fair share, other analysts' turns. */
  callsAhead: number;
  /** What stops the owner's lookups: VirusTotal down, no key, or every key serving them blocked. */
  pause: Pause | null;
  /** Worth saying but stopping nothing: the owner's own key refused while the shared keys do the work. */
  notice: Pause | null;
  /** Why nothing of this report is on its way right now, and until when; null while lookups go. */
  stall: Stall | null;
  /** Every key serving the owner has spent its day (or month): rows wait until then. */
  waitingForQuotaUntil: Date | null;
}

export interface EstimateTarget {
  reportId: string;
  userId: number;
  /** Rows about to be queued (a refresh priced before it is made); 0 for the report as it stands. */
  addedCalls?: number;
}

/**
 * When the report's last waiting row should be answered: its place under fair share (see
 * queue-position.ts), paced by the quota of the keys that serve its owner. While the day's quota is
 * spent, rows wait for 00:00 UTC and the estimate says so. With no usable key, or a key VirusTotal
 * refused, there is no time to give.
 */
export async function estimateReport(db: Executor, lookups: LookupStatus, target: EstimateTarget, now = Date.now()): Promise<Estimate> {
  const { reportId, userId, addedCalls = 0 } = target;
  // Read before the keys: while this query ran a probe could come back refused, and a pause read
  // before it beside a quota read after it gave an estimate of no keys at all (an invalid date, a 500).
  const pending = await pendingOfActiveReports(db);
  // The keys that actually serve the owner decide: a refused own key beside working shared keys is
  // a notice, not a reason to give no estimate.
  const pause = lookups.blockedFor(userId);
  const banner = lookups.bannerFor(userId);
  const notice = banner && banner.message !== pause?.message ? banner : null;
  const queue = withMorePending(pending, { reportId, userId }, addedCalls);
  const callsAhead = callsUntilDone(queue, reportId, lookups.servesOnlyOwnKey(userId), lookups.shares());
  const quota = lookups.quotaFor(userId);
  const stall = stallOf(callsAhead - addedCalls, pause, quota, now);
  // Only when the quota is why rows wait: with no usable key at all, the pause says so instead.
  const waitingForQuotaUntil =
    pause?.reason === 'quota' && quota.dayExhausted ? new Date(quota.monthExhausted ? quota.nextSlotAt : Math.max(quota.nextSlotAt, nextUtcMidnight(now))) : null;
  if (pause && (pause.until == null || pause.reason === 'wrong_key')) return { finishAt: null, callsAhead, pause, notice, stall, waitingForQuotaUntil };
  const finishAt = estimateFinish(callsAhead, quota, now, pause?.until ?? now);
  // No key left with any allowance gives no time, never an invalid date.
  return { finishAt: Number.isFinite(finishAt) ? new Date(finishAt) : null, callsAhead, pause, notice, stall, waitingForQuotaUntil };
}
