import type { DiffRow } from './recheck.repository.js';

/**
 * What a re-check can find about a row: its verdict changed (clean → malicious, say), a file or
 * host VirusTotal did not know is now known, detections rose by at least the threshold, or Fortinet
 * names it differently.
 */
export type ChangeKind = 'verdict' | 'found' | 'detections' | 'fortinet';

/** Verdicts that are no answer: nothing to compare with, or nothing learnt. */
const NO_ANSWER = new Set(['pending', 'invalid', 'error']);
/** Fortinet's results for domains and IPs that name nothing. */
const NO_NAME = new Set(['clean', 'unrated']);

/** The kinds of change between a row's snapshot and its new answer; empty when nothing worth telling changed. */
export function changeKinds(row: DiffRow, detectionsUp: number): ChangeKind[] {
  if (NO_ANSWER.has(row.beforeVerdict) || NO_ANSWER.has(row.afterVerdict)) return [];
  const kinds: ChangeKind[] = [];
  if (row.beforeVerdict === 'not_found' && row.afterVerdict !== 'not_found') kinds.push('found');
  else if (row.beforeVerdict !== row.afterVerdict) kinds.push('verdict');
  if (row.beforeVerdict !== 'not_found' && (row.afterMalicious ?? 0) - (row.beforeMalicious ?? 0) >= detectionsUp) kinds.push('detections');
  if (row.afterFortinet && !NO_NAME.has(row.afterFortinet.toLowerCase()) && row.afterFortinet !== row.beforeFortinet) kinds.push('fortinet');
  return kinds;
}

/** How a change reads in the email and on the Changes page. */
export function describeKind(kind: string): string {
  switch (kind) {
    case 'verdict':
      return 'verdict changed';
    case 'found':
      return 'now known to VirusTotal';
    case 'detections':
      return 'more detections';
    case 'fortinet':
      return 'new Fortinet name';
    default:
      return kind;
  }
}
