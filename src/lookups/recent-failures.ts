import type { LookupOutcome } from './lookup.types.js';
import { plainVtError } from './vt-errors.js';

/** A failed VirusTotal call, kept in memory for the dashboard's "recent errors". */
export interface LookupFailure {
  at: number;
  hash: string;
  /** The key's id (a fingerprint), never the key. */
  keyId: string;
  kind: 'quota' | 'auth' | 'transient' | 'rejected';
  reason: string;
}

/** Failures kept for the dashboard. */
const RECENT_FAILURES = 50;

/** The last failed calls, oldest dropped first; answers (found, not found) are not failures. */
export class RecentFailures {
  private readonly failures: LookupFailure[] = [];

  record(at: number, hash: string, keyId: string, outcome: LookupOutcome): void {
    if (outcome.kind === 'found' || outcome.kind === 'not_found') return;
    // The dashboard is read by people: VirusTotal's message, or its code in words, never a class name.
    const reason = 'reason' in outcome ? outcome.reason : outcome.message || plainVtError(outcome.code);
    this.failures.push({ at, hash, keyId, kind: outcome.kind, reason });
    if (this.failures.length > RECENT_FAILURES) this.failures.shift();
  }

  /** Newest first. */
  list(): LookupFailure[] {
    return [...this.failures].reverse();
  }
}
