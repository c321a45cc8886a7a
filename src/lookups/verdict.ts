import type { CachedVerdict } from './lookup.table.js';
import type { ObjectSummary } from './lookup.types.js';
import type { VerdictThresholds } from '../shared/config.js';

export type Thresholds = VerdictThresholds;

/**
 * Files: one engine saying malicious makes a file malicious; analysts triage from the worst signal.
 * Domains and IPs: the community's reputation decides first, as engines disagree more on sites than on
 * files (google.com has a malicious vote); in between, the engines decide.
 */
export function verdictOf(object: ObjectSummary, thresholds: Thresholds): Exclude<CachedVerdict, 'not_found'> {
  if (object.objectType === 'file') {
    if (object.malicious > 0) return 'malicious';
    if (object.suspicious > 0) return 'suspicious';
    return 'clean';
  }
  const reputation = object.reputation ?? 0;
  if (reputation < thresholds.suspiciousBelow) return 'suspicious';
  if (reputation > thresholds.notSuspiciousAbove) return 'not_suspicious';
  if (object.malicious >= thresholds.maliciousEngines) return 'suspicious';
  if (object.engines > 0 && object.suspicious / object.engines >= thresholds.suspiciousShare) return 'suspicious';
  return 'not_suspicious';
}
