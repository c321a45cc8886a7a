import type { QuotaSnapshot } from './rate-limiter.js';

/**
 * Several keys' quotas as one, for the estimate of a user they all serve: allowances and use added
 * up, the earliest free slot, the bursts of those free now. No key at all is a quota of nothing.
 */
export function combinedQuota(snaps: QuotaSnapshot[], windowMs: number, now: number): QuotaSnapshot {
  if (snaps.length === 0) {
    return { usedInWindow: 0, usedToday: 0, usedThisMonth: 0, perMinute: 0, perDay: 0, perMonth: null, windowMs, nextSlotAt: now, dayExhausted: true, monthExhausted: false, atOnce: 0, burst: 0 };
  }
  const sum = (f: (s: QuotaSnapshot) => number) => snaps.reduce((a, s) => a + f(s), 0);
  const open = snaps.filter((s) => !s.dayExhausted);
  return {
    // Spent keys count neither their use nor their allowance towards today.
    usedInWindow: open.reduce((a, s) => a + s.usedInWindow, 0),
    usedToday: open.reduce((a, s) => a + s.usedToday, 0),
    usedThisMonth: sum((s) => s.usedThisMonth),
    perMinute: open.length > 0 ? open.reduce((a, s) => a + s.perMinute, 0) : sum((s) => s.perMinute),
    perDay: open.length > 0 ? open.reduce((a, s) => a + s.perDay, 0) : sum((s) => s.perDay),
    perMonth: snaps.some((s) => s.perMonth === null) ? null : sum((s) => s.perMonth ?? 0),
    windowMs,
    nextSlotAt: Math.min(...snaps.map((s) => s.nextSlotAt)),
    dayExhausted: open.length === 0,
    monthExhausted: snaps.every((s) => s.monthExhausted),
    atOnce: open.reduce((a, s) => a + (s.nextSlotAt <= now ? s.atOnce : 0), 0) || 1,
    burst: open.reduce((a, s) => a + s.burst, 0) || 1,
  };
}
