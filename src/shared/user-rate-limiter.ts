/**
 * A sliding one-minute window per user: the times of the calls let through in the last window. The
 * API's requests (across all of a user's tokens) and uploads (form and API together) each have one.
 * Kept in this process's memory (the app runs as one process); a restart forgets
 * it, which only ever lets a client through earlier.
 */
export class UserRateLimiter {
  private readonly calls = new Map<number, number[]>();
  private sinceSweep = 0;

  constructor(
    readonly perWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a call, or says how long until one may go (refused calls do not count). */
  take(userId: number): { ok: true; remaining: number } | { ok: false; retryAfterMs: number } {
    const now = this.now();
    this.sweepNow(now);
    const recent = (this.calls.get(userId) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.perWindow) {
      this.calls.set(userId, recent);
      return { ok: false, retryAfterMs: (recent[0] ?? now) + this.windowMs - now };
    }
    recent.push(now);
    this.calls.set(userId, recent);
    return { ok: true, remaining: this.perWindow - recent.length };
  }

  /** Now and then, forget users who made no call in the last window. */
  private sweepNow(now: number): void {
    if (++this.sinceSweep < 1000) return;
    this.sinceSweep = 0;
    for (const [userId, times] of this.calls) {
      if ((times.at(-1) ?? 0) <= now - this.windowMs) this.calls.delete(userId);
    }
  }
}
