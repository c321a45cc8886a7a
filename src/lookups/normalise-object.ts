import type { LookupType, ObjectSummary } from './lookup.types.js';

// Turns a parsed VirusTotal answer (`GET /files/{id}`, `/domains/{domain}`, `/ip_addresses/{ip}`) into
// the compact summary reports keep. Missing or odd fields become null; a body that is not the object
// asked for throws, so the caller can call the answer garbled.

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function count(stats: Json, key: string): number {
  return num(stats[key]) ?? 0;
}

function isoFromUnixSeconds(value: unknown): string | null {
  const seconds = num(value);
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
}

const OBJECT_TYPES: Record<LookupType, ObjectSummary['objectType']> = {
  md5: 'file',
  sha1: 'file',
  sha256: 'file',
  domain: 'domain',
  ip: 'ip_address',
};

/** The envelope's object, checked to be of the type asked for. */
function objectOf(body: unknown, expected: ObjectSummary['objectType']): { id: string; attributes: Json } {
  const data = isObject(body) ? body['data'] : undefined;
  if (!isObject(data)) throw new Error(`${expected} object has no "data"`);
  const id = str(data['id']);
  if (id === null) throw new Error(`${expected} object has no "data.id"`);
  const attributes = data['attributes'];
  if (!isObject(attributes)) throw new Error(`${expected} object has no "data.attributes"`);
  // Some answers carry no data.type; when one does, it must be what was asked for (a proxy or cache mixing answers up).
  const type = str(data['type']);
  if (type !== null && type !== expected) throw new Error(`expected a ${expected} object, got "${type}"`);
  return { id, attributes };
}

/**
 * Files: Fortinet's name only counts when Fortinet actually flagged the file; "clean"-style results are
 * not names. Domains and IPs: the URL scanners' result ("clean", "unrated", "malware") is the answer itself.
 */
function fortinetResult(results: unknown, detectionsOnly: boolean): string | null {
  if (!isObject(results)) return null;
  const entry = results['Fortinet'];
  if (!isObject(entry)) return null;
  if (detectionsOnly && entry['category'] !== 'malicious' && entry['category'] !== 'suspicious') return null;
  return str(entry['result']);
}

function categoriesOf(value: unknown): string[] | null {
  if (!isObject(value)) return null;
  const names = Object.values(value).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  return [...new Set(names.map((n) => n.trim()))];
}

function threatLabelOf(value: unknown): string | null {
  return isObject(value) ? str(value['suggested_threat_label']) : null;
}

export function normaliseObject(type: LookupType, body: unknown): ObjectSummary {
  const objectType = OBJECT_TYPES[type];
  const { id, attributes } = objectOf(body, objectType);
  const stats = isObject(attributes['last_analysis_stats']) ? attributes['last_analysis_stats'] : {};
  const malicious = count(stats, 'malicious');
  const suspicious = count(stats, 'suspicious');
  const undetected = count(stats, 'undetected');
  const harmless = count(stats, 'harmless');
  const file = objectType === 'file';
  return {
    objectType,
    id: file ? id.toLowerCase() : id,
    sha256: file ? id.toLowerCase() : null,
    sha1: file ? (str(attributes['sha1'])?.toLowerCase() ?? null) : null,
    md5: file ? (str(attributes['md5'])?.toLowerCase() ?? null) : null,
    malicious,
    suspicious,
    undetected,
    harmless,
    engines: malicious + suspicious + undetected + harmless,
    fortinet: fortinetResult(attributes['last_analysis_results'], file),
    lastAnalysisDate: isoFromUnixSeconds(attributes['last_analysis_date']),
    meaningfulName: file ? str(attributes['meaningful_name']) : null,
    threatLabel: file ? threatLabelOf(attributes['popular_threat_classification']) : null,
    typeDescription: file ? str(attributes['type_description']) : null,
    size: file ? num(attributes['size']) : null,
    reputation: file ? null : num(attributes['reputation']),
    categories: objectType === 'domain' ? categoriesOf(attributes['categories']) : null,
    asOwner: objectType === 'ip_address' ? str(attributes['as_owner']) : null,
    country: objectType === 'ip_address' ? str(attributes['country']) : null,
  };
}

/** A file answer (`GET /files/{id}`); kept for callers that only ever see files (the simulator's tests). */
export function normaliseFile(body: unknown): ObjectSummary {
  return normaliseObject('sha256', body);
}
