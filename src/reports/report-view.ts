import type { LookupType } from '../lookups/lookup.types.js';
import { detectionsLabel, verdictOf, verdictReason, type Thresholds, type VerdictFacts } from '../lookups/verdict.js';
import { toVtResult, type VtResult } from '../lookups/vt-result.columns.js';
import { fileDetailFromAnswer, sortEngines, type EngineSort, type EngineVerdict, type FileDetail } from './file-detail.js';
import { networkDetailFromAnswer, type NetworkDetail } from './network-detail.js';
import { isNetworkType, TYPE_LABELS, virusTotalUrl } from './report-links.js';
import type { ReportSummary } from './report-summary.js';
import type { ItemStatus, ReportItemRow, Verdict } from './report.table.js';

// What the report templates see of a row: camelCase fields only, named once here, never a column name.

/** A report row as its table cell, its page and its refresh page show it: the answer's columns in camelCase, and more. */
export interface ReportItemView extends VtResult<Verdict> {
  /** The row's address in its report (/reports/:id/items/:line); its global id is never shown. */
  line: number;
  input: string;
  /** The value looked up (a hash, a domain or an IP); null for an invalid line. */
  hash: string | null;
  hashType: LookupType | null;
  /** "SHA-256", "Domain", "IP address"; null for an invalid line. */
  typeLabel: string | null;
  /** A domain or an IP address: no file hashes, reputation and owner facts instead. */
  isNetwork: boolean;
  status: ItemStatus;
  /** The domain's distinct category names; empty for files and IPs. */
  categoryList: string[];
  /** When the answer was fetched (ms since the epoch); null while never answered. */
  lookedUpAt: number | null;
  /** The answer came from the shared cache, not from a lookup made for this row. */
  fromCache: boolean;
  /** The answer came from a VirusTotal feed (feeds/), not from a lookup. */
  fromFeed: boolean;
  error: string | null;
  virusTotalUrl: string | null;
  /** "12 malicious · 3 suspicious of 71 engines" (engines that gave a verdict); "—" without an answer. */
  detectionsLabel: string;
  /**
   * Domains and IPs: why the verdict, in words ("reputation −37, below −10"). Null for files, rows
   * without an answer, and answers judged under thresholds other than today's (nothing false is said).
   */
  verdictReason: string | null;
  /** An earlier line of the report names the same file (its MD5 there, its SHA-256 here): that line; else null. */
  sameFileAsLine: number | null;
}

/**
 * A report row as the templates see it; `thresholds` (VERDICT_*) explain domains' and IPs' verdicts.
 * `sameFileAsLine` comes from the report's other rows (report.service.ts sameFileLines); one row alone cannot tell.
 */
export function toItemView(row: ReportItemRow, thresholds: Thresholds, sameFileAsLine: number | null = null): ReportItemView {
  const result = toVtResult(row);
  const facts = factsOf(row);
  // Object.assign onto a literal, not a spread: a literal that spreads the answer's 18 fields and adds
  // 16 more was built property by property in V8's slow mode, ~40 µs a row, a third of a page view's CPU.
  return Object.assign(
    {
      line: row.line,
      input: row.input,
      hash: row.hash,
      hashType: row.hash_type,
      typeLabel: row.hash_type ? TYPE_LABELS[row.hash_type] : null,
      isNetwork: isNetworkType(row.hash_type),
      status: row.status,
      categoryList: result.categories ?? [],
      lookedUpAt: row.looked_up_at,
      fromCache: Boolean(row.from_cache),
      fromFeed: row.from_feed === 1,
      error: row.error,
      virusTotalUrl: virusTotalUrl(row),
      detectionsLabel: facts ? detectionsLabel(facts) : '—',
      verdictReason: facts ? reasonOf(facts, row.verdict, thresholds) : null,
      sameFileAsLine,
    },
    result,
  );
}

/** The counts a verdict was made from; null while the row has no answer with engines (a row asked again keeps its last). */
function factsOf(row: ReportItemRow): VerdictFacts | null {
  if (row.engines == null) return null;
  const objectType = row.hash_type === 'domain' ? 'domain' : row.hash_type === 'ip' ? 'ip_address' : 'file';
  return { objectType, malicious: row.malicious ?? 0, suspicious: row.suspicious ?? 0, engines: row.engines, reputation: row.reputation };
}

function reasonOf(facts: VerdictFacts, verdict: Verdict, thresholds: Thresholds): string | null {
  // A verdict is made when the answer is fetched; after VERDICT_* changed, today's reason may not be its reason.
  if (verdictOf(facts, thresholds) !== verdict) return null;
  return verdictReason(facts, thresholds);
}

/** A row's page: the row, and VirusTotal's whole answer for it read into engines and facts. */
export interface ItemPage {
  report: ReportSummary;
  item: ReportItemView;
  /** A file's engines and facts, from the whole answer the row was filled from; null when there is none. */
  detail: FileDetail | null;
  /** A domain's or an IP's engines and facts, likewise. */
  network: NetworkDetail | null;
  /** "71 of 78 engines gave a verdict; 1 timed out, 6 do not support this file type"; null without the engines. */
  enginesSummary: string | null;
}

/** The row's page from the row and its whole answer (null when none is kept), engines in `sort` order. */
export function itemPage(
  found: { report: ReportSummary; row: ReportItemRow; answer: unknown; sameFileAsLine?: number | null },
  sort: EngineSort,
  thresholds: Thresholds,
): ItemPage {
  const item = toItemView(found.row, thresholds, found.sameFileAsLine ?? null);
  const network = item.isNetwork ? networkDetailFromAnswer(found.answer) : null;
  const detail = found.answer && !item.isNetwork ? fileDetailFromAnswer(found.answer) : null;
  if (detail) detail.engines = sortEngines(detail.engines, sort);
  if (network) network.engines = sortEngines(network.engines, sort);
  const engines = detail?.engines ?? network?.engines ?? null;
  return { report: found.report, item, detail, network, enginesSummary: engines ? enginesSummary(engines) : null };
}

/** How many engines gave a verdict (malicious, suspicious, undetected, harmless) and what the others did. */
export function enginesSummary(engines: readonly EngineVerdict[]): string {
  const gave = engines.filter((e) => VERDICT_CATEGORIES.has(e.category)).length;
  const count = (categories: string[]) => engines.filter((e) => categories.includes(e.category)).length;
  const others = [
    [count(['timeout', 'confirmed-timeout']), 'timed out'],
    [count(['type-unsupported']), 'do not support this file type'],
    [count(['failure']), 'failed'],
  ] as const;
  const rest = engines.length - gave - others.reduce((sum, [n]) => sum + n, 0);
  const tail = [...others, [rest, 'gave no answer'] as const].filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return `${gave} of ${engines.length} engines gave a verdict${tail.length > 0 ? `; ${tail.join(', ')}` : ''}`;
}

const VERDICT_CATEGORIES = new Set(['malicious', 'suspicious', 'undetected', 'harmless']);
