import type { ApiKey } from './api-key.js';
import type { KeyRing } from './key-ring.js';
import { checkKey, type KeyAllowances } from './vt-user-client.js';
import { plainVtError } from './vt-errors.js';
import { inWords } from './stall.js';

/** What testing a key found, in words for the page that asked. Never the key, only its hint. */
export interface KeyTestResult {
  /**
   * works: VirusTotal accepted it; refused: a 401/403; quota: VirusTotal knows it but its quota is
   * spent; unreachable: no usable answer; busy: no free slot under our own count, so nothing was sent.
   */
  outcome: 'works' | 'refused' | 'quota' | 'unreachable' | 'busy';
  hint: string;
  message: string;
  /** What VirusTotal says the key may do, when it said. */
  allowances: KeyAllowances | null;
  testedAt: number;
}

export interface KeyTestDeps {
  keys: KeyRing;
  apiUrl: string;
  timeoutMs: number;
  now?: () => number;
}

/**
 * One `GET /users/{key}` through the key's limiter: counted like a lookup, never past the key's
 * quota. What VirusTotal answers also settles the key on the ring (a refusal pauses it, a working
 * answer ends a refusal), as a lookup's answer would.
 */
export async function testKey(deps: KeyTestDeps, key: ApiKey): Promise<KeyTestResult> {
  const now = deps.now ?? Date.now;
  const result = (outcome: KeyTestResult['outcome'], message: string, allowances: KeyAllowances | null = null): KeyTestResult =>
    ({ outcome, hint: key.hint, message, allowances, testedAt: now() });
  const grant = deps.keys.acquireForTest(key);
  if (!grant.ok) {
    const wait = inWords(grant.retryAt - now());
    const why = grant.limit === 'minute'
      ? `its next free slot under ${key.perMinute.toLocaleString('en')} lookup${key.perMinute === 1 ? '' : 's'} a minute is ${wait}`
      : `its ${grant.limit === 'day' ? 'daily' : 'monthly'} quota is spent, until ${new Date(grant.retryAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    return result('busy', `Key ${key.hint} was not tested: a test counts like a lookup, and ${why}.`);
  }
  const sentAt = now();
  // The call is on disk before it goes, as every lookup's is.
  await deps.keys.callsSaved();
  const check = await checkKey(deps.apiUrl, grant.key.secret, deps.timeoutMs);
  deps.keys.answered(grant.key, grant.callId);
  switch (check.kind) {
    case 'works':
      deps.keys.keyTestPassed(grant.key);
      return result('works', `VirusTotal accepted key ${key.hint}. ${describeAllowances(check.allowances)}`, check.allowances);
    case 'refused': {
      const code = check.code ?? (check.status === 401 ? 'WrongCredentialsError' : 'ForbiddenError');
      deps.keys.keyRefused(grant.key, code);
      return result('refused', `VirusTotal refused key ${key.hint}: ${plainVtError(check.code, check.status)}.`);
    }
    case 'quota':
      deps.keys.quotaExceeded(grant.key, sentAt);
      return result('quota', `VirusTotal knows key ${key.hint}, but its quota is used up right now; lookups with it wait until it frees.`);
    case 'failed':
      return result('unreachable', `Key ${key.hint} could not be tested: ${check.reason}.`);
  }
}

/** "It allows 500 lookups a day (3 used today), 240 an hour and 15,500 a month." */
export function describeAllowances(a: KeyAllowances): string {
  const parts = [
    a.daily && `${n(a.daily.allowed)} lookups a day (${n(a.daily.used)} used today)`,
    a.hourly && `${n(a.hourly.allowed)} an hour`,
    a.monthly && `${n(a.monthly.allowed)} a month (${n(a.monthly.used)} used this month)`,
  ].filter((p): p is string => Boolean(p));
  if (parts.length === 0) return 'VirusTotal did not say what the key allows.';
  const last = parts.pop();
  return `It allows ${parts.length > 0 ? `${parts.join(', ')} and ${last}` : last}.`;
}

const n = (value: number) => value.toLocaleString('en');
