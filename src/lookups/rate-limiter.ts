import type { CallLog } from './call-log.repository.js';

export interface RateLimits {
  perMinute: number;
  perDay: number;
  /** Per calendar month (UTC); null or absent means no monthly cap. */
  perMonth?: number | null;
  /** Length of the sliding "minute"; only tests and benchmarks shorten it. */
  windowMs?: number;
  /** Calls an idle key may send at once; idleBurst(perMinute) unless a test of something else sets it. */
  burst?: number;
}

export type Acquired = { ok: true; callId: number } | { ok: false; retryAt: number; limit: 'minute' | 'day' | 'month' };

export interface QuotaSnapshot {
  usedInWindow: number;
  usedToday: number;
  usedThisMonth: number;
  perMinute: number;
  perDay: number;
  perMonth: number | null;
  windowMs: number;
  /** When a request may next be sent (now when a slot is free). */
  nextSlotAt: number;
  /** Today's (or this month's) allowance is spent: nothing more until 00:00 UTC (or the 1st). */
  dayExhausted: boolean;
  monthExhausted: boolean;
  /** Calls that may go together at `nextSlotAt`: an idle key's burst (see idleBurst), else one. */
  atOnce: number;
  /** The burst a key idle for a whole window gets. */
  burst: number;
}

export const DAY_MS = 86_400_000;
const startOfUtcDay = (t: number) => t - (((t % DAY_MS) + DAY_MS) % DAY_MS);
export const nextUtcMidnight = (t: number) => startOfUtcDay(t) + DAY_MS;
const startOfUtcMonth = (t: number) => { const d = new Date(t); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1); };
const nextUtcMonth = (t: number) => { const d = new Date(t); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1); };

/**
 * Calls an idle key may send at once: an eighth of its minute, at most the 8 lookups the scheduler
 * keeps in flight. The pause that pays a burst back is as many intervals long, so the next analyst
 * to arrive waits at most an eighth of a window (one interval on a public 4-a-minute key, whose
 * burst is a single call) on top of their own turns. A whole-window burst made them wait a window.
 */
export function idleBurst(perMinute: number): number {
  return Math.max(1, Math.min(8, Math.ceil(perMinute / 8)));
}

/**
 * The single source of truth for one API key's quota: never more than `perMinute` requests in any
 * sliding window, `perDay` per UTC day and `perMonth` per UTC calendar month. Counts live in the database, so a restart resets nothing.
 * It lives on the main thread only; limiters inside workers would multiply the rate.
 */
export class RateLimiter {
  readonly windowMs: number;
  /** Time between paced calls: the window's allowance spread evenly over it. */
  private readonly intervalMs: number;
  /** Calls an idle key may send at once (see idleBurst). */
  private readonly burst: number;
  /** Calls an idle key may still send at once. */
  private burstLeft = 0;
  /** When the next paced call may go. */
  private pacedAt = -Infinity;

  constructor(
    private readonly log: CallLog,
    private readonly keyId: string,
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = limits.windowMs ?? 60_000;
    this.intervalMs = this.windowMs / limits.perMinute;
    this.burst = limits.burst ?? idleBurst(limits.perMinute);
  }

  /** Takes a slot and records the call now (its id is for `answered`), or says when the next slot frees. */
  acquireCall(): Acquired {
    const now = this.now();
    const snap = this.snapshot(now);
    if (snap.monthExhausted) return { ok: false, retryAt: snap.nextSlotAt, limit: 'month' };
    if (snap.dayExhausted) return { ok: false, retryAt: snap.nextSlotAt, limit: 'day' };
    if (snap.usedInWindow >= this.limits.perMinute || snap.nextSlotAt > now) return { ok: false, retryAt: snap.nextSlotAt, limit: 'minute' };
    // A key that was idle for a whole window may send a small burst at once (idleBurst: a short list
    // gets its first answers straight away). Every call, burst or not, moves the paced grid one
    // interval on, so the burst is paid back by a pause of as many intervals right after it, and then
    // a slot frees every interval: whoever queues next waits at most the burst's pause and their own
    // turns, never a window. Paced slots are kept on a grid, so a late timer does not push the rest
    // back; a call that the window held back well past its slot starts the grid again.
    // Idle: nothing in the window and no paced slot in it either (a burst that ages out all at once
    // does not make a busy key idle).
    if (snap.usedInWindow === 0 && this.pacedAt <= now - this.windowMs) this.burstLeft = this.burst;
    if (this.burstLeft > 0) this.burstLeft--;
    this.pacedAt = Math.max(this.pacedAt + this.intervalMs, now + this.intervalMs * 0.9);
    return { ok: true, callId: this.log.record(this.keyId, now) };
  }

  /**
   * The call came back: count it from now. VirusTotal counts a request when it arrives, which is
   * some time after the slot was taken (a worker starting, a connection opening); counting from the
   * answer, which is never earlier than the arrival, keeps every window on VirusTotal's side within the limit.
   */
  answered(callId: number): void {
    this.log.restamp(callId, this.now());
  }

  /**
   * The quota as it stands at `now`. A caller that compares `nextSlotAt` with a time of its own
   * passes that time: read apart, a clock tick between them made a free slot look a millisecond away.
   */
  snapshot(now = this.now()): QuotaSnapshot {
    // Calls at exactly now - windowMs still count: a closed 60 s window holds both ends.
    const windowStart = now - this.windowMs - 1;
    const usedInWindow = this.log.countSince(this.keyId, windowStart);
    const usedToday = this.log.countInPeriod(this.keyId, startOfUtcDay(now) - 1);
    const perMonth = this.limits.perMonth ?? null;
    const usedThisMonth = this.log.countInPeriod(this.keyId, startOfUtcMonth(now) - 1);
    const monthExhausted = perMonth !== null && usedThisMonth >= perMonth;
    const dayExhausted = monthExhausted || usedToday >= this.limits.perDay;
    let nextSlotAt = now;
    if (monthExhausted) {
      nextSlotAt = nextUtcMonth(now);
    } else if (dayExhausted) {
      nextSlotAt = nextUtcMidnight(now);
    } else if (usedInWindow >= this.limits.perMinute) {
      // The slot frees when the call that pushed the window to its limit ages out of it.
      const oldest = this.log.nthCallSince(this.keyId, windowStart, usedInWindow - this.limits.perMinute);
      nextSlotAt = (oldest ?? now) + this.windowMs + 1;
    }
    const idle = usedInWindow === 0 && this.pacedAt <= now - this.windowMs;
    if (!dayExhausted && !idle && this.burstLeft <= 0) nextSlotAt = Math.max(nextSlotAt, Math.ceil(this.pacedAt));
    return {
      usedInWindow,
      usedToday,
      usedThisMonth,
      perMinute: this.limits.perMinute,
      perDay: this.limits.perDay,
      perMonth,
      windowMs: this.windowMs,
      nextSlotAt,
      dayExhausted,
      monthExhausted,
      atOnce: idle ? this.burst : Math.max(1, this.burstLeft),
      burst: this.burst,
    };
  }
}
