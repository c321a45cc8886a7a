import { createHash } from 'node:crypto';
import type { ReportItemRow } from '../report.table.js';
import { VERDICT_LABELS, virusTotalUrl } from '../report-links.js';

// A report row as STIX 2.1 objects: the observable (a file by its hashes, a domain, an IP), an
// indicator whose pattern matches it, VirusTotal's answer as a malware-analysis (product VirusTotal,
// result malicious / suspicious / benign), and, for a detected file with a threat label, a malware
// object the indicator "indicates". Only types the official bundle schema lists are used (it has no
// note or opinion). Ids are UUIDv5: observables by the specification's own rule, the rest by the
// report and the value, so exporting a report again gives the same objects, which MISP and OpenCTI merge.

export type StixObject = Record<string, unknown> & { type: string; id: string };

/** Where the ids of this app's STIX domain objects are derived from (a fixed, random UUID). */
const NAMESPACE = Buffer.from('7b0c7f0e1f3a4e5c9d2b6a8e4c1f3d57', 'hex');
/** The STIX 2.1 specification's namespace for observables' ids (section 2.9). */
const SCO_NAMESPACE = Buffer.from('00abedb4aa4252fda4e6d1ee5efa5f39', 'hex');

/** A name-based UUID (version 5, SHA-1), as RFC 9562 makes it. */
function uuidv5(namespace: Buffer, name: string): string {
  const bytes = createHash('sha1').update(namespace).update(name).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A deterministic id (`type--uuidv5`) for one of this app's objects, named by its parts. */
export function stixId(type: string, ...name: string[]): string {
  return `${type}--${uuidv5(NAMESPACE, name.join('\u0000'))}`;
}

/** An observable's id from its ID-contributing properties, serialised with sorted keys, as the specification says. */
function scoId(type: string, contributing: Record<string, unknown>): string {
  const canonical = (value: unknown): string =>
    value !== null && typeof value === 'object'
      ? `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
      : JSON.stringify(value);
  return `${type}--${uuidv5(SCO_NAMESPACE, canonical(contributing))}`;
}

/** STIX patterns quote strings in single quotes with backslash escapes. */
const quoted = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The row's pattern: a file by each hash VirusTotal gave it (or the one uploaded), a domain, an IPv4 or IPv6 address. */
export function stixPattern(row: ReportItemRow): string | null {
  if (!row.hash || !row.hash_type) return null;
  if (row.hash_type === 'domain') return `[domain-name:value = ${quoted(row.hash)}]`;
  if (row.hash_type === 'ip') return `[${row.hash.includes(':') ? 'ipv6-addr' : 'ipv4-addr'}:value = ${quoted(row.hash)}]`;
  const hashes: Array<[string, string | null]> = [['MD5', row.md5], ["'SHA-1'", row.sha1], ["'SHA-256'", row.sha256]];
  const known = hashes.filter((h): h is [string, string] => h[1] !== null);
  if (known.length === 0) known.push([{ md5: 'MD5', sha1: "'SHA-1'", sha256: "'SHA-256'" }[row.hash_type], row.hash]);
  return `[${known.map(([name, hash]) => `file:hashes.${name} = ${quoted(hash)}`).join(' OR ')}]`;
}

/** The file's hashes VirusTotal gave it, or the one it was uploaded as; STIX names them MD5, SHA-1, SHA-256. */
function fileHashes(row: ReportItemRow): Record<string, string> {
  const known = Object.entries({ MD5: row.md5, 'SHA-1': row.sha1, 'SHA-256': row.sha256 }).filter((e): e is [string, string] => e[1] !== null);
  if (known.length > 0) return Object.fromEntries(known);
  return { [{ md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256', domain: '', ip: '' }[row.hash_type ?? 'md5']]: row.hash ?? '' };
}

/** The row's cyber observable: a file by its hashes (its id from the first of MD5, SHA-1, SHA-256), a domain, an IP address. */
export function observable(row: ReportItemRow): StixObject | null {
  if (!row.hash || !row.hash_type) return null;
  if (row.hash_type === 'domain' || row.hash_type === 'ip') {
    const type = row.hash_type === 'domain' ? 'domain-name' : row.hash.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
    return { type, spec_version: '2.1', id: scoId(type, { value: row.hash }), value: row.hash };
  }
  const hashes = fileHashes(row);
  const [first, hash] = Object.entries(hashes)[0] ?? ['MD5', row.hash];
  return { type: 'file', spec_version: '2.1', id: scoId('file', { hashes: { [first]: hash } }), hashes, ...(row.meaningful_name ? { name: row.meaningful_name } : {}) };
}

/** VirusTotal's answer in the malware-analysis result vocabulary; null when it gave none (not found, error, pending). */
function analysisResult(row: ReportItemRow): string | null {
  if (row.verdict === 'malicious' || row.verdict === 'suspicious') return row.verdict;
  if (row.verdict === 'clean' || row.verdict === 'not_suspicious') return 'benign';
  return null;
}

/** The open vocabulary's indicator types for a verdict: what the indicator says the value is. */
function indicatorTypes(row: ReportItemRow): string[] {
  if (row.verdict === 'malicious') return ['malicious-activity'];
  if (row.verdict === 'suspicious') return ['anomalous-activity'];
  if (row.verdict === 'clean' || row.verdict === 'not_suspicious') return ['benign'];
  return ['unknown'];
}

/** VirusTotal's answer in words: the verdict, the engines, Fortinet, the name and label, when it was asked. */
export function verdictText(row: ReportItemRow): string {
  const parts = [`VirusTotal verdict: ${VERDICT_LABELS[row.verdict].toLowerCase()}`];
  if (row.engines != null) parts.push(`${row.malicious ?? 0} of ${row.engines} engines malicious, ${row.suspicious ?? 0} suspicious`);
  if (row.reputation != null) parts.push(`community reputation ${row.reputation}`);
  if (row.fortinet) parts.push(`Fortinet: ${row.fortinet}`);
  if (row.meaningful_name) parts.push(`file name: ${row.meaningful_name}`);
  if (row.threat_label) parts.push(`threat label: ${row.threat_label}`);
  if (row.error) parts.push(`lookup failed: ${row.error}`);
  if (row.looked_up_at != null) parts.push(`asked ${new Date(row.looked_up_at).toISOString()}`);
  return parts.join('; ');
}

export interface StixContext {
  reportId: string;
  reportName: string;
  /** The report's creation: every object's `created` (stable across exports of the report). */
  created: string;
  identityId: string;
  /** The demo's notice, at the head of every note; null for real answers. */
  notice: string | null;
}

/** The producer's one id and its one creation time, the same in every export: one identity across reports. */
export const PRODUCER = { id: stixId('identity', 'hash-report'), created: '2026-11-21T00:00:00.000Z' };

/** The producer: this app, as the identity every object is created by. */
export function producerIdentity(context: StixContext): StixObject {
  return {
    type: 'identity', spec_version: '2.1', id: context.identityId, created: PRODUCER.created, modified: PRODUCER.created,
    name: 'Hash Report', identity_class: 'system',
    description: `VirusTotal v3 lookups of the report "${context.reportName}".${context.notice ? ` ${context.notice}` : ''}`,
  };
}

/**
 * The row's objects (none for a line that names nothing). `malwareSeen` holds the threat labels whose
 * malware object this bundle already has: each is written once.
 */
export function rowObjects(row: ReportItemRow, context: StixContext, malwareSeen: Set<string>): StixObject[] {
  const pattern = stixPattern(row);
  const sco = observable(row);
  if (!pattern || !sco || !row.hash) return [];
  const common = { spec_version: '2.1', created_by_ref: context.identityId, created: context.created };
  // An answer fetched before the report was made (a cache hit) still leaves the object modified no earlier than created.
  const modified = row.looked_up_at != null && row.looked_up_at > Date.parse(context.created) ? new Date(row.looked_up_at).toISOString() : context.created;
  const url = virusTotalUrl(row);
  const indicator: StixObject = {
    type: 'indicator', id: stixId('indicator', context.reportId, row.hash), ...common, modified,
    name: row.hash,
    description: `${context.notice ? `${context.notice} ` : ''}${verdictText(row)}. Line ${row.line} of "${context.reportName}", written as: ${row.input}`,
    indicator_types: indicatorTypes(row), pattern, pattern_type: 'stix', pattern_version: '2.1', valid_from: context.created,
    ...(url ? { external_references: [{ source_name: 'VirusTotal', url }] } : {}),
  };
  const objects: StixObject[] = [
    sco,
    indicator,
    { type: 'relationship', id: stixId('relationship', context.reportId, row.hash, 'based-on'), ...common, modified, relationship_type: 'based-on', source_ref: indicator.id, target_ref: sco.id },
  ];
  const result = analysisResult(row);
  if (result) {
    const label = row.threat_label ?? (sco.type === 'file' ? row.fortinet : null);
    objects.push({
      type: 'malware-analysis', id: stixId('malware-analysis', context.reportId, row.hash), ...common, modified,
      product: 'VirusTotal', result, ...(label ? { result_name: label } : {}),
      ...(row.last_analysis_date ? { analysis_ended: row.last_analysis_date } : {}),
      ...(sco.type === 'file' ? { sample_ref: sco.id } : { analysis_sco_refs: [sco.id] }),
    });
  }
  const label = row.threat_label;
  if (label && (row.verdict === 'malicious' || row.verdict === 'suspicious')) {
    const malwareId = stixId('malware', context.reportId, label);
    if (!malwareSeen.has(label)) {
      malwareSeen.add(label);
      objects.push({ type: 'malware', id: malwareId, ...common, modified: context.created, name: label, is_family: true, description: "VirusTotal's popular threat label." });
    }
    objects.push({
      type: 'relationship', id: stixId('relationship', context.reportId, row.hash, label), ...common, modified,
      relationship_type: 'indicates', source_ref: indicator.id, target_ref: malwareId,
    });
  }
  return objects;
}
