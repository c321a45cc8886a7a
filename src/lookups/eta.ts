import { DAY_MS, nextUtcMidnight, type QuotaSnapshot } from './rate-limiter.js';

/**
 * When `calls` more requests will have been sent, given the key's quota as it stands. The limiter
 * sends a small burst at once (`atOnce`) and paces the rest one interval apart (the window's
 * allowance spread evenly over it; a burst is paid back by as many intervals), so the last of `n`
 * calls goes `n - 1` intervals after the first. What does not fit in today's allowance waits for
 * 00:00 UTC. `startAt` lets a pause (a 429, say) push the first request later; after a pause of a
 * window or more the key is idle again and gets its whole burst.
 */
export function estimateFinish(calls: number, quota: QuotaSnapshot, now: number, startAt = now): number {
  if (calls <= 0) return now;
  const { perMinute, perDay, windowMs } = quota;
  const interval = windowMs / perMinute;
  const start = Math.max(now, startAt, quota.nextSlotAt);
  const leftToday = quota.dayExhausted ? 0 : Math.max(0, perDay - quota.usedToday);
  const paced = (n: number, from: number, atOnce: number) => (n <= atOnce ? from : from + Math.ceil((n - 1) * interval));
  if (calls <= leftToday) return paced(calls, start, startAt - now >= windowMs ? quota.burst : quota.atOnce);
  const rest = calls - leftToday;
  const fullDays = Math.floor((rest - 1) / perDay);
  const lastDayCalls = rest - fullDays * perDay;
  const midnight = Math.max(nextUtcMidnight(now), start);
  return paced(lastDayCalls, midnight + fullDays * DAY_MS, quota.burst);
}
