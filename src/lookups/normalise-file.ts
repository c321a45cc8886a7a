import type { FileVerdict } from './lookup.types.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function count(stats: Json, key: string): number {
  const value = stats[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Fortinet's name only counts when Fortinet actually flagged the file; "clean"-style results are not names. */
function fortinetName(results: unknown): string | null {
  if (!isObject(results)) return null;
  const entry = results['Fortinet'];
  if (!isObject(entry)) return null;
  if (entry['category'] !== 'malicious' && entry['category'] !== 'suspicious') return null;
  return str(entry['result']);
}

function isoFromUnixSeconds(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return new Date(value * 1000).toISOString();
}

/**
 * Turns a parsed `GET /files/{id}` body into the compact verdict reports keep.
 * Throws when the envelope is not a file object, so the caller can call the answer garbled.
 */
export function normaliseFile(body: unknown): FileVerdict {
  const data = isObject(body) ? body['data'] : undefined;
  if (!isObject(data)) throw new Error('file object has no "data"');
  const id = str(data['id']);
  if (id === null) throw new Error('file object has no "data.id"');
  const attributes = data['attributes'];
  if (!isObject(attributes)) throw new Error('file object has no "data.attributes"');

  const stats = isObject(attributes['last_analysis_stats']) ? attributes['last_analysis_stats'] : {};
  const malicious = count(stats, 'malicious');
  const suspicious = count(stats, 'suspicious');
  const undetected = count(stats, 'undetected');
  const harmless = count(stats, 'harmless');
  const size = attributes['size'];

  return {
    sha256: id.toLowerCase(),
    sha1: str(attributes['sha1'])?.toLowerCase() ?? null,
    md5: str(attributes['md5'])?.toLowerCase() ?? null,
    malicious,
    suspicious,
    undetected,
    harmless,
    engines: malicious + suspicious + undetected + harmless,
    fortinet: fortinetName(attributes['last_analysis_results']),
    lastAnalysisDate: isoFromUnixSeconds(attributes['last_analysis_date']),
    meaningfulName: str(attributes['meaningful_name']),
    typeDescription: str(attributes['type_description']),
    size: typeof size === 'number' && Number.isFinite(size) ? size : null,
  };
}
