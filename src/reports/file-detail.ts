/**
 * What the per-row page shows for a file, read from VirusTotal's whole answer (as stored in
 * vt_answers). Missing or odd fields become null or empty, never an error: the page must open for
 * any answer VirusTotal ever gave.
 */

type Json = Record<string, unknown>;

export type EngineCategory = 'malicious' | 'suspicious' | 'undetected' | 'harmless' | 'type-unsupported' | 'timeout' | 'confirmed-timeout' | 'failure';

export interface EngineVerdict {
  engine: string;
  category: string;
  /** The engine's name for what it found; null when it found nothing. */
  result: string | null;
  version: string | null;
  /** The engine's signature date, YYYY-MM-DD. */
  updated: string | null;
}

export interface FileDetail {
  sha256: string;
  sha1: string | null;
  md5: string | null;
  size: number | null;
  typeDescription: string | null;
  meaningfulName: string | null;
  /** Other names it was submitted under, without the meaningful one. */
  names: string[];
  firstSubmission: string | null;
  lastSubmission: string | null;
  lastAnalysis: string | null;
  timesSubmitted: number | null;
  reputation: number | null;
  votes: { harmless: number; malicious: number } | null;
  tags: string[];
  threatLabel: string | null;
  engines: EngineVerdict[];
}

export type EngineSort = 'detections' | 'engine' | 'category' | 'result' | 'updated';
export const ENGINE_SORTS: readonly EngineSort[] = ['detections', 'engine', 'category', 'result', 'updated'];

// Readers for VirusTotal's JSON, shared with network-detail.ts: a field of the wrong type reads as missing.
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
export const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
export const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
/** VirusTotal's dates are Unix seconds; ISO-8601 UTC here. */
export const date = (value: unknown): string | null => {
  const seconds = num(value);
  return seconds === null ? null : new Date(seconds * 1000).toISOString();
};
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : []);

/** `total_votes`, or null when the answer has none. */
export const votesOf = (value: unknown): { harmless: number; malicious: number } | null =>
  isObject(value) ? { harmless: num(value['harmless']) ?? 0, malicious: num(value['malicious']) ?? 0 } : null;

/** VirusTotal writes a missing engine version as null or as the string "None". */
function version(value: unknown): string | null {
  const text = str(value);
  return text === null || text === 'None' ? null : text;
}

function updated(value: unknown): string | null {
  const text = str(value);
  const match = text ? /^(\d{4})(\d{2})(\d{2})$/.exec(text) : null;
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
}

/** Detections first: what an analyst triages is which engines flagged the file and how. */
const CATEGORY_ORDER = ['malicious', 'suspicious', 'undetected', 'harmless', 'type-unsupported', 'timeout', 'confirmed-timeout', 'failure'];
const categoryRank = (category: string) => {
  const rank = CATEGORY_ORDER.indexOf(category);
  return rank === -1 ? CATEGORY_ORDER.length : rank;
};

export function sortEngines(engines: EngineVerdict[], sort: EngineSort): EngineVerdict[] {
  const byName = (a: EngineVerdict, b: EngineVerdict) => a.engine.localeCompare(b.engine, 'en', { sensitivity: 'base' });
  const nullsLast = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a.localeCompare(b, 'en', { sensitivity: 'base' }));
  const compare: Record<EngineSort, (a: EngineVerdict, b: EngineVerdict) => number> = {
    detections: (a, b) => categoryRank(a.category) - categoryRank(b.category) || byName(a, b),
    engine: byName,
    category: (a, b) => a.category.localeCompare(b.category) || byName(a, b),
    result: (a, b) => nullsLast(a.result, b.result) || byName(a, b),
    // Newest signatures first.
    updated: (a, b) => nullsLast(b.updated, a.updated) || byName(a, b),
  };
  return [...engines].sort(compare[sort]);
}

/**
 * Every engine of `last_analysis_results`, detections first. Files, domains and IPs share the shape;
 * domain and IP entries have no engine version or signature date, so those read as null.
 */
export function enginesFromResults(value: unknown): EngineVerdict[] {
  const results = isObject(value) ? value : {};
  const engines = Object.entries(results).flatMap(([name, entry]): EngineVerdict[] =>
    isObject(entry)
      ? [{ engine: str(entry['engine_name']) ?? name, category: str(entry['category']) ?? 'unknown', result: str(entry['result']), version: version(entry['engine_version']), updated: updated(entry['engine_update']) }]
      : [],
  );
  return sortEngines(engines, 'detections');
}

export function fileDetailFromAnswer(body: unknown): FileDetail | null {
  const data = isObject(body) ? body['data'] : undefined;
  if (!isObject(data) || str(data['id']) === null) return null;
  // A domain or IP answer is read by network-detail.ts; an answer without a type is taken as a file.
  if (data['type'] !== undefined && data['type'] !== 'file') return null;
  const a = isObject(data['attributes']) ? data['attributes'] : {};
  const meaningfulName = str(a['meaningful_name']);
  const votes = votesOf(a['total_votes']);
  const threat = isObject(a['popular_threat_classification']) ? str(a['popular_threat_classification']['suggested_threat_label']) : null;
  return {
    sha256: String(data['id']).toLowerCase(),
    sha1: str(a['sha1'])?.toLowerCase() ?? null,
    md5: str(a['md5'])?.toLowerCase() ?? null,
    size: num(a['size']),
    typeDescription: str(a['type_description']),
    meaningfulName,
    names: [...new Set(strings(a['names']))].filter((n) => n !== meaningfulName),
    firstSubmission: date(a['first_submission_date']),
    lastSubmission: date(a['last_submission_date']),
    lastAnalysis: date(a['last_analysis_date']),
    timesSubmitted: num(a['times_submitted']),
    reputation: num(a['reputation']),
    votes,
    tags: strings(a['tags']),
    threatLabel: threat,
    engines: enginesFromResults(a['last_analysis_results']),
  };
}
