import { DAY_MS, nextUtcMidnight, type QuotaSnapshot } from './rate-limiter.js';

/**
 * When `calls` more requests will have been sent, given the key's quota as it stands. Requests go out
 * `perMinute` at a time each window, and what does not fit in today's allowance waits for 00:00 UTC.
 * `startAt` lets a pause (a 429, say) push the first request later.
 */
export function estimateFinish(calls: number, quota: QuotaSnapshot, now: number, startAt = now): number {
  if (calls <= 0) return now;
  const { perMinute, perDay, windowMs } = quota;
  const start = Math.max(now, startAt, quota.nextSlotAt);
  const leftToday = quota.dayExhausted ? 0 : Math.max(0, perDay - quota.usedToday);
  // The first batch goes out at `start`: the slots free right now, or a whole window's worth when
  // we first wait for the window (or a pause) to pass; later batches follow one window apart.
  const firstBatch = start > now ? perMinute : Math.max(0, perMinute - quota.usedInWindow);
  if (calls <= leftToday) {
    if (calls <= firstBatch) return start;
    return start + Math.ceil((calls - firstBatch) / perMinute) * windowMs;
  }
  const rest = calls - leftToday;
  const fullDays = Math.floor((rest - 1) / perDay);
  const lastDayCalls = rest - fullDays * perDay;
  const midnight = Math.max(nextUtcMidnight(now), start);
  return midnight + fullDays * DAY_MS + Math.floor((lastDayCalls - 1) / perMinute) * windowMs;
}
