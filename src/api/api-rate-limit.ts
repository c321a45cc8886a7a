import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../shared/errors.js';
import { apiCaller } from './bearer-auth.js';

/**
 * A sliding one-minute window per user, across all their tokens: the times of the calls let through
 * in the last window. Kept in this process's memory (the app runs as one process); a restart forgets
 * it, which only ever lets a client through earlier.
 */
export class ApiRateLimiter {
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

/** After bearerAuth: 429 with Retry-After once the caller's user is over the limit. */
export function apiRateLimit(limiter: ApiRateLimiter) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const verdict = limiter.take(apiCaller(res).userId);
    res.set('RateLimit-Limit', String(limiter.perWindow));
    if (!verdict.ok) {
      const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
      res.set('RateLimit-Remaining', '0');
      throw new TooManyRequestsError(`Too many API requests: at most ${limiter.perWindow} a minute per user. Try again in ${seconds} s.`, seconds);
    }
    res.set('RateLimit-Remaining', String(verdict.remaining));
    next();
  };
}
