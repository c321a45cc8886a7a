import type { ReportItemRow } from '../report.table.js';
import type { LookupType } from '../../lookups/lookup.types.js';
import { virusTotalUrl } from '../report-links.js';

/**
 * One row as the CSV and JSON exports (and the JSON API) give it. Files fill the hashes and
 * Fortinet's detection name; domains and IPs fill reputation, categories (domains), AS owner and
 * country (IPs), and Fortinet's result whatever it is ("clean", "unrated", "malware").
 */
export interface ExportItem {
  line: number;
  input: string;
  /** What was looked up: the hash, or the domain or IP the input names (a URL counts as its host). */
  value: string | null;
  type: LookupType | null;
  status: string;
  verdict: string;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  malicious: number | null;
  suspicious: number | null;
  undetected: number | null;
  harmless: number | null;
  engines: number | null;
  fortinet: string | null;
  reputation: number | null;
  /** Distinct category names the vendors give a domain; null for files and IPs. */
  categories: string[] | null;
  asOwner: string | null;
  country: string | null;
  lastAnalysisDate: string | null;
  lookedUpAt: string | null;
  fromCache: boolean | null;
  virusTotalUrl: string | null;
  error: string | null;
}

export const EXPORT_COLUMNS: (keyof ExportItem)[] = [
  'line', 'input', 'value', 'type', 'status', 'verdict', 'sha256', 'sha1', 'md5', 'malicious', 'suspicious',
  'undetected', 'harmless', 'engines', 'fortinet', 'reputation', 'categories', 'asOwner', 'country',
  'lastAnalysisDate', 'lookedUpAt', 'fromCache', 'virusTotalUrl', 'error',
];

/** The row's `categories` column (a JSON array of names) read back; null when it holds none or garbage. */
export function categoriesOf(text: string | null): string[] | null {
  if (text == null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : null;
  } catch {
    return null;
  }
}

export function toExportItem(row: ReportItemRow): ExportItem {
  return {
    line: row.line,
    input: row.input,
    value: row.hash,
    type: row.hash_type,
    status: row.status,
    verdict: row.verdict,
    sha256: row.sha256,
    sha1: row.sha1,
    md5: row.md5,
    malicious: row.malicious,
    suspicious: row.suspicious,
    undetected: row.undetected,
    harmless: row.harmless,
    engines: row.engines,
    fortinet: row.fortinet,
    reputation: row.reputation,
    categories: categoriesOf(row.categories),
    asOwner: row.as_owner,
    country: row.country,
    lastAnalysisDate: row.last_analysis_date,
    lookedUpAt: row.looked_up_at == null ? null : new Date(row.looked_up_at).toISOString(),
    fromCache: row.from_cache == null ? null : row.from_cache === 1,
    virusTotalUrl: virusTotalUrl(row),
    error: row.error,
  };
}
