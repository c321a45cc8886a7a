import type { LookupOutcome } from './lookup.types.js';

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
    const reason = 'reason' in outcome ? outcome.reason : `${outcome.code}: ${outcome.message}`;
    this.failures.push({ at, hash, keyId, kind: outcome.kind, reason });
    if (this.failures.length > RECENT_FAILURES) this.failures.shift();
  }

  /** Newest first. */
  list(): LookupFailure[] {
    return [...this.failures].reverse();
  }
}
