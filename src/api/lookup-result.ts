import type { Selectable } from 'kysely';
import type { CacheEntryTable } from '../lookups/lookup.table.js';
import type { LookupType } from '../lookups/lookup.types.js';
import { categoriesOf } from '../lookups/vt-result.columns.js';
import type { ExportItem } from '../reports/files/export-row.js';
import { virusTotalUrl } from '../reports/report-links.js';
import type { ReportItemRow } from '../reports/report.table.js';

// What GET /api/v1/lookup answers with 200, made from a cache entry or from a row whose lookup gave up.

export interface DetectedValue {
  value: string;
  type: LookupType;
}

/**
 * What GET /api/v1/lookup answers with 200: the fields of a report row as the exports give it (same
 * names), for one value. Fields that do not apply to the value's type are null.
 */
/** The answer's facts, named and typed as a report row's in the exports. */
type AnswerFields = Pick<
  ExportItem,
  | 'malicious' | 'suspicious' | 'undetected' | 'harmless' | 'engines' | 'fortinet' | 'lastAnalysisDate'
  | 'sha256' | 'sha1' | 'md5' | 'reputation' | 'categories' | 'asOwner' | 'country' | 'error' | 'threatLabel'
>;

export interface LookupResult extends AnswerFields {
  /** found or not_found: VirusTotal's answer; error: the lookup gave up (see `error`). */
  status: 'found' | 'not_found' | 'error';
  value: string;
  type: LookupType;
  verdict: 'malicious' | 'suspicious' | 'clean' | 'not_suspicious' | 'not_found' | 'error';
  meaningfulName: string | null;
  /** The object's page on VirusTotal; null for a file VirusTotal does not know. */
  virusTotalUrl: string | null;
  /** When the answer was fetched from VirusTotal (for an error: when the lookup gave up). */
  lookedUpAt: string;
  /** True unless the answer was fetched for this user's own lookup of the value. */
  fromCache: boolean;
  /** The user's "API lookups" report when the value has a row there. */
  reportId: string | null;
}

/** The answer a fresh cache entry gives; `row` is the user's own row of the value, if any. */
export function resultFromEntry(wanted: DetectedValue, entry: Selectable<CacheEntryTable>, row: ReportItemRow | undefined): LookupResult {
  const found = entry.verdict !== 'not_found';
  // Fetched for this user's own row (not copied from someone else's lookup): not "from cache".
  const ownFetch = row !== undefined && row.from_cache === 0 && row.looked_up_at === entry.fetched_at;
  return {
    status: found ? 'found' : 'not_found',
    value: wanted.value,
    type: wanted.type,
    verdict: entry.verdict,
    malicious: entry.malicious,
    suspicious: entry.suspicious,
    undetected: entry.undetected,
    harmless: entry.harmless,
    engines: entry.engines,
    fortinet: entry.fortinet,
    lastAnalysisDate: entry.last_analysis_date,
    sha256: entry.sha256,
    sha1: entry.sha1,
    md5: entry.md5,
    meaningfulName: found ? entry.meaningful_name : null,
    threatLabel: found ? entry.threat_label : null,
    reputation: entry.reputation,
    categories: categoriesOf(entry.categories),
    asOwner: entry.as_owner,
    country: entry.country,
    virusTotalUrl: virusTotalUrl({ hash: wanted.value, hash_type: wanted.type, sha256: entry.sha256 }),
    lookedUpAt: new Date(entry.fetched_at).toISOString(),
    fromCache: !ownFetch,
    error: null,
    reportId: row?.report_id ?? null,
  };
}

/** The answer of a row whose lookup gave up. */
export function resultFromError(wanted: DetectedValue, row: ReportItemRow): LookupResult {
  return {
    status: 'error',
    value: wanted.value,
    type: wanted.type,
    verdict: 'error',
    malicious: null,
    suspicious: null,
    undetected: null,
    harmless: null,
    engines: null,
    fortinet: null,
    lastAnalysisDate: null,
    sha256: null,
    sha1: null,
    md5: null,
    meaningfulName: null,
    threatLabel: null,
    reputation: null,
    categories: null,
    asOwner: null,
    country: null,
    virusTotalUrl: virusTotalUrl(row),
    lookedUpAt: new Date(row.looked_up_at ?? 0).toISOString(),
    fromCache: false,
    error: row.error,
    reportId: row.report_id,
  };
}
