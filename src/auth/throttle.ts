import { TooManyRequestsError } from '../shared/errors.js';

/**
 * How many attempts a counter allows. Each attempt is a strike, recorded before the password is
 * checked (so a burst of parallel requests cannot slip past the count); the first `free` strikes
 * cost nothing, each further one makes the next attempt wait `baseDelayMs`, then twice as long,
 * and so on; the `lockAfter`-th strike locks the counter for `lockMs`. A counter covers `windowMs`
 * from its first strike and then starts over, but never while a wait is running.
 */
export interface ThrottlePolicy {
  free: number;
  baseDelayMs: number;
  lockAfter: number;
  lockMs: number;
  windowMs: number;
}

export interface AuthLimits {
  /** Sign-in attempts per email address, whether or not an account has it. */
  loginAccount: ThrottlePolicy;
  /** Sign-in attempts per client address: higher, as one office may share an address. */
  loginIp: ThrottlePolicy;
  /** Registrations per client address. */
  registerIp: ThrottlePolicy;
}

const MINUTE_MS = 60_000;

export const AUTH_LIMITS: Readonly<AuthLimits> = Object.freeze({
  // 3 free tries, then waits of 1, 2, 4 … 32 s; the 10th try in 15 minutes locks the email for 15 minutes.
  loginAccount: { free: 3, baseDelayMs: 1000, lockAfter: 10, lockMs: 15 * MINUTE_MS, windowMs: 15 * MINUTE_MS },
  loginIp: { free: 20, baseDelayMs: 1000, lockAfter: 40, lockMs: 15 * MINUTE_MS, windowMs: 15 * MINUTE_MS },
  // At most 10 accounts an hour from one address; no waits before that.
  registerIp: { free: 10, baseDelayMs: 0, lockAfter: 10, lockMs: 60 * MINUTE_MS, windowMs: 60 * MINUTE_MS },
});

/** One counter as stored. */
export interface ThrottleState {
  failures: number;
  first_at: number;
  next_allowed_at: number;
  locked_until: number;
}

/** Milliseconds until this counter lets an attempt through; 0 when it does now. */
export function waitMs(state: ThrottleState | undefined, now: number): number {
  if (!state) return 0;
  return Math.max(0, state.next_allowed_at - now, state.locked_until - now);
}

/** The counter after one more strike (a fresh one when the old window is over). */
export function strike(state: ThrottleState | undefined, policy: ThrottlePolicy, now: number): ThrottleState {
  const current = state && now - state.first_at < policy.windowMs ? state : undefined;
  const failures = (current?.failures ?? 0) + 1;
  const first_at = current?.first_at ?? now;
  if (failures >= policy.lockAfter) return { failures, first_at, next_allowed_at: 0, locked_until: now + policy.lockMs };
  const over = failures - policy.free;
  const delay = over > 0 ? Math.min(policy.baseDelayMs * 2 ** (over - 1), policy.lockMs) : 0;
  return { failures, first_at, next_allowed_at: delay > 0 ? now + delay : 0, locked_until: 0 };
}

/** "2 minutes", "1 second": how long a refused user waits, rounded up. */
export function describeWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/** 429 with the wait in the message; `retryAfterSeconds` is for a Retry-After header. */
export class TooManyAttemptsError extends TooManyRequestsError {
  constructor(message: string, waitMs: number) {
    super(`${message} Try again in ${describeWait(waitMs)}.`, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

/**
 * The counter key of a client address. IPv4-mapped IPv6 is the IPv4 address; other IPv6 addresses
 * count by their /64, since one home or server is usually handed a whole /64 to pick from.
 */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (!ip.includes(':')) return ip;
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
