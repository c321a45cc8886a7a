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
  // Requests still free in the current window go out at once.
  const freeNow = Math.max(0, perMinute - quota.usedInWindow);
  if (calls <= Math.min(leftToday, freeNow)) return start;
  if (calls <= leftToday) {
    const afterFirst = calls - freeNow;
    return start + Math.ceil(afterFirst / perMinute) * windowMs;
  }
  const rest = calls - leftToday;
  const fullDays = Math.floor((rest - 1) / perDay);
  const lastDayCalls = rest - fullDays * perDay;
  const midnight = Math.max(nextUtcMidnight(now), start);
  return midnight + fullDays * DAY_MS + Math.floor((lastDayCalls - 1) / perMinute) * windowMs;
}
