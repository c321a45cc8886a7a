import type { Db } from './database.js';
import { lockUserWindow, saveUserWindow } from './user-rate-window.repository.js';

export type RateVerdict = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

/**
 * A sliding one-minute window per user: the times of the calls let through in the last window. The
 * API's requests (across all of a user's tokens) and uploads (form and API together) each have one.
 * Kept in the database, counted under the user's row lock, so every app instance on the database
 * counts the same window and a restart forgets nothing.
 */
export class UserRateLimiter {
  constructor(
    private readonly db: Db,
    /** Which window: "api" or "uploads". */
    readonly name: string,
    readonly perWindow: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a call, or says how long until one may go (refused calls do not count). */
  take(userId: number): Promise<RateVerdict> {
    return this.db.transaction().execute(async (trx) => {
      const now = this.now();
      const recent = (await lockUserWindow(trx, this.name, userId)).filter((at) => at > now - this.windowMs);
      if (recent.length >= this.perWindow) {
        return { ok: false, retryAfterMs: (recent[0] ?? now) + this.windowMs - now };
      }
      recent.push(now);
      await saveUserWindow(trx, this.name, userId, recent);
      return { ok: true, remaining: this.perWindow - recent.length };
    });
  }
}
