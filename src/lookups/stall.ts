import type { Pause, PauseReason } from './pause.js';
import type { QuotaSnapshot } from './rate-limiter.js';

/**
 * Why a report with rows to look up has nothing on its way right now, and until when, in words:
 * "The minute's quota is spent: next lookup in 43 s".
 */
export interface Stall {
  /** A pause's reason, or the limiter's: the minute's allowance spent, or calls spaced out within it. */
  reason: PauseReason | 'minute' | 'pacing';
  /** The cause, as a sentence without its full stop. */
  why: string;
  /** When the next lookup may go; null when only a change (a key) helps. */
  until: Date | null;
  /** What joins `why` to the wait: ": next lookup " or ". Next lookup ". */
  lead: string;
  /** "in 43 s", at the time the stall was read. */
  untilWords: string;
  /** The whole sentence, for the status document. */
  message: string;
}

/**
 * The stall of a report with `callsAhead` lookups to go: what stops its owner's keys (`pause`), or
 * else the quota of the keys that serve it, when none of them may send now. Null while a lookup may go.
 */
export function stallOf(callsAhead: number, pause: Pause | null, quota: QuotaSnapshot, now: number): Stall | null {
  if (callsAhead <= 0) return null;
  if (pause) return stall(pause.reason, pause.message.replace(/\.\s*$/, ''), pause.until, '. Next lookup ', now);
  if (quota.nextSlotAt <= now || quota.perMinute <= 0) return null;
  if (quota.usedInWindow >= quota.perMinute) return stall('minute', "The minute's quota is spent", quota.nextSlotAt, ': next lookup ', now);
  const perMinute = quota.perMinute.toLocaleString('en');
  return stall('pacing', `Lookups are spaced out to stay within ${perMinute} a minute`, quota.nextSlotAt, ': next lookup ', now);
}

function stall(reason: Stall['reason'], why: string, until: number | null, lead: string, now: number): Stall {
  const untilWords = until === null ? '' : inWords(until - now);
  return { reason, why, until: until === null ? null : new Date(until), lead, untilWords, message: until === null ? `${why}.` : `${why}${lead}${untilWords}.` };
}

/** "in 43 s", "in 12 min", "in 5 h": a wait as people say it. */
export function inWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120) return `in ${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `in ${minutes} min`;
  return `in ${Math.round(minutes / 60)} h`;
}
