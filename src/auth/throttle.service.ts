import type { Db } from '../shared/database.js';
import { strike, TooManyAttemptsError, waitMs, type AuthLimits, type ThrottlePolicy } from './throttle.js';
import * as throttles from './throttle.repository.js';

export interface Counter {
  key: string;
  policy: ThrottlePolicy;
}

export const SIGN_IN_REFUSED = 'Too many sign-in attempts for this account or from this address.';
export const REGISTER_REFUSED = 'Too many accounts were created from this address.';

export interface SignInCounters {
  account: Counter;
  address: Counter;
}

/** The counters one sign-in attempt is charged to; the email is counted whether or not it has an account. */
export function signInCounters(limits: AuthLimits, email: string, address: string): SignInCounters {
  return {
    account: { key: `login-account:${email.toLowerCase()}`, policy: limits.loginAccount },
    address: { key: `login-ip:${address}`, policy: limits.loginIp },
  };
}

export function registerCounter(limits: AuthLimits, address: string): Counter {
  return { key: `register-ip:${address}`, policy: limits.registerIp };
}

/**
 * Charges one attempt to every counter, or throws TooManyAttemptsError (and charges nothing) when
 * any of them asks to wait. In one transaction, so parallel attempts are counted one after another.
 */
export async function claimAttempt(db: Db, counters: readonly Counter[], refusal: string, now = Date.now()): Promise<void> {
  // The refusal is thrown after the transaction: a rollback would also undo writes the raw SQLite
  // handle (the session store) happened to make on the shared connection meanwhile.
  const wait = await db.transaction().execute(async (trx) => {
    const rows = new Map((await throttles.findThrottles(trx, counters.map((c) => c.key))).map((r) => [r.key, r]));
    const longest = Math.max(0, ...counters.map((c) => waitMs(rows.get(c.key), now)));
    if (longest > 0) return longest;
    for (const { key, policy } of counters) await throttles.saveThrottle(trx, { key, ...strike(rows.get(key), policy, now) });
    return 0;
  });
  if (wait > 0) throw new TooManyAttemptsError(refusal, wait);
}

/**
 * After the right password: the account's count starts over, while the address only gets this
 * attempt's strike back, so signing in to one's own account cannot wipe out guesses at others.
 */
export async function forgiveSignIn(db: Db, counters: SignInCounters): Promise<void> {
  await throttles.deleteThrottle(db, counters.account.key);
  await throttles.decrementThrottle(db, counters.address.key);
}

/** Drops counters no rule reads any more; run from the hourly housekeeping. */
export function pruneThrottles(db: Db, limits: AuthLimits, now = Date.now()): Promise<number> {
  const longest = Math.max(...Object.values(limits).map((p: ThrottlePolicy) => p.windowMs));
  return throttles.deleteStaleThrottles(db, now - longest);
}
