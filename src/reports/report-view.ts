import type { LookupType } from '../lookups/lookup.types.js';
import { toVtResult, type VtResult } from '../lookups/vt-result.columns.js';
import { fileDetailFromAnswer, sortEngines, type EngineSort, type FileDetail } from './file-detail.js';
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
  error: string | null;
  virusTotalUrl: string | null;
  /** An earlier line of the report names the same file (its MD5 there, its SHA-256 here): that line; else null. */
  sameFileAsLine: number | null;
}

/** `sameFileAsLine` comes from the report's other rows (report.service.ts sameFileLines); one row alone cannot tell. */
export function toItemView(row: ReportItemRow, sameFileAsLine: number | null = null): ReportItemView {
  const result = toVtResult(row);
  return {
    ...result,
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
    error: row.error,
    virusTotalUrl: virusTotalUrl(row),
    sameFileAsLine,
  };
}

/** A row's page: the row, and VirusTotal's whole answer for it read into engines and facts. */
export interface ItemPage {
  report: ReportSummary;
  item: ReportItemView;
  /** A file's engines and facts, from the whole answer the row was filled from; null when there is none. */
  detail: FileDetail | null;
  /** A domain's or an IP's engines and facts, likewise. */
  network: NetworkDetail | null;
}

/** The row's page from the row and its whole answer (null when none is kept), engines in `sort` order. */
export function itemPage(found: { report: ReportSummary; row: ReportItemRow; answer: unknown; sameFileAsLine?: number | null }, sort: EngineSort): ItemPage {
  const item = toItemView(found.row, found.sameFileAsLine ?? null);
  const network = item.isNetwork ? networkDetailFromAnswer(found.answer) : null;
  const detail = found.answer && !item.isNetwork ? fileDetailFromAnswer(found.answer) : null;
  if (detail) detail.engines = sortEngines(detail.engines, sort);
  if (network) network.engines = sortEngines(network.engines, sort);
  return { report: found.report, item, detail, network };
}
