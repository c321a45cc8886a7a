import * as throttles from '../auth/throttle.repository.js';
import { describeWait } from '../auth/throttle.js';
import { nextUtcMidnight } from '../lookups/rate-limiter.js';
import type { Db } from '../shared/database.js';
import { TooManyRequestsError } from '../shared/errors.js';

// A forced refresh asks VirusTotal again inside the cache lifetime, on the quota every analyst shares,
// so one analyst may force only FORCED_REFRESHES_PER_DAY a UTC day. The count is a row of the throttle
// table (auth_throttle), keyed by user and day, so a restart resets nothing: `failures` holds the day's
// count and `locked_until` the day's end, which keeps the row from the hourly prune until then.

/** Who is counted: null when only the user's own key serves them (nothing of the shared quota is spent). */
export type ForcedRefreshCap = { perDay: number } | null;

const counterKey = (userId: number, now: number) => `forced-refresh:${userId}:${new Date(now).toISOString().slice(0, 10)}`;

/** Refused beyond the day's cap: 429, with Retry-After at 00:00 UTC. */
export class ForcedRefreshLimitError extends TooManyRequestsError {
  constructor(perDay: number, now: number) {
    const waitMs = nextUtcMidnight(now) - now;
    super(
      `You have used today's ${perDay} forced refreshes on the shared VirusTotal quota. More are possible after 00:00 UTC, in ${describeWait(waitMs)}.`,
      Math.max(1, Math.ceil(waitMs / 1000)),
    );
  }
}

/** Whether the user may force one more refresh today. */
export async function mayForceRefresh(db: Db, userId: number, cap: ForcedRefreshCap, now: number): Promise<boolean> {
  if (!cap) return true;
  const [row] = await throttles.findThrottles(db, [counterKey(userId, now)]);
  return (row?.failures ?? 0) < cap.perDay;
}

/** Counts one forced refresh; called in the transaction that queues it, so a rollback takes it back. */
export async function countForcedRefresh(db: Db, userId: number, cap: ForcedRefreshCap, now: number): Promise<void> {
  if (!cap) return;
  const key = counterKey(userId, now);
  const [row] = await throttles.findThrottles(db, [key]);
  await throttles.saveThrottle(db, { key, failures: (row?.failures ?? 0) + 1, first_at: row?.first_at ?? now, next_allowed_at: 0, locked_until: nextUtcMidnight(now) });
}
