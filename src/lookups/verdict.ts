import type { CachedVerdict } from './lookup.table.js';
import type { ObjectSummary } from './lookup.types.js';
import type { VerdictThresholds } from '../shared/config.js';

export type Thresholds = VerdictThresholds;

/**
 * Files: one engine saying malicious makes a file malicious; analysts triage from the worst signal.
 * Domains and IPs: the community's reputation decides first, as engines disagree more on sites than on
 * files (google.com has a malicious vote); in between, the engines decide.
 */
export function verdictOf(object: VerdictFacts, thresholds: Thresholds): Exclude<CachedVerdict, 'not_found'> {
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

/** What explaining a verdict reads: the counts a row keeps and its community reputation. */
export interface VerdictFacts {
  objectType: ObjectSummary['objectType'];
  malicious: number;
  suspicious: number;
  engines: number;
  reputation: number | null;
}

/**
 * Why a domain or an IP got its verdict, in words, following verdictOf step by step:
 * "reputation −37, below −10", "1 of 94 engines say malicious, but reputation 448 is above 20".
 * Null for files: their detections say it all.
 */
export function verdictReason(facts: VerdictFacts, t: Thresholds): string | null {
  if (facts.objectType === 'file') return null;
  const reputation = facts.reputation ?? 0;
  const rep = facts.reputation === null ? 'no reputation (taken as 0)' : `reputation ${signed(reputation)}`;
  const flagged = enginesSaying(facts);
  if (reputation < t.suspiciousBelow) return `${rep}, below ${signed(t.suspiciousBelow)}`;
  if (reputation > t.notSuspiciousAbove) {
    return flagged ? `${flagged}, but ${rep} is above ${signed(t.notSuspiciousAbove)}` : `${rep}, above ${signed(t.notSuspiciousAbove)}`;
  }
  const between = `${rep} is between ${signed(t.suspiciousBelow)} and ${signed(t.notSuspiciousAbove)}`;
  const { malicious, suspicious, engines } = facts;
  if (malicious >= t.maliciousEngines) return `${malicious} of ${engines} engines say malicious (${between})`;
  const share = `${percent(t.suspiciousShare)} %`;
  if (engines > 0 && suspicious / engines >= t.suspiciousShare) return `${suspicious} of ${engines} engines say suspicious, at least ${share} (${between})`;
  if (malicious > 0) return `${malicious} of ${engines} engines say malicious, fewer than ${t.maliciousEngines}, and ${between}`;
  if (suspicious > 0) return `${suspicious} of ${engines} engines say suspicious, under ${share}, and ${between}`;
  return `no engine flags it and ${between}`;
}

/** "12 malicious · 3 suspicious of 71 engines": both counts, and the engines that gave a verdict. */
export function detectionsLabel(facts: Pick<VerdictFacts, 'malicious' | 'suspicious' | 'engines'>): string {
  return `${facts.malicious.toLocaleString('en')} malicious · ${facts.suspicious.toLocaleString('en')} suspicious of ${facts.engines.toLocaleString('en')} engines`;
}

function enginesSaying({ malicious, suspicious, engines }: VerdictFacts): string | null {
  if (malicious > 0) return `${malicious} of ${engines} engines say malicious`;
  if (suspicious > 0) return `${suspicious} of ${engines} engines say suspicious`;
  return null;
}

/** A typographic minus, as people write negative numbers. */
const signed = (n: number) => (n < 0 ? `−${Math.abs(n).toLocaleString('en')}` : n.toLocaleString('en'));
const percent = (share: number) => Math.round(share * 1000) / 10;
