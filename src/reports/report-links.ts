import type { Counts } from './report-summary.js';
import { DEFAULT_PAGE_SIZE, VERDICTS, type ItemFilter, type ItemSort, type ReportPageQuery } from './report.schemas.js';
import type { ReportItemRow, Verdict } from './report.table.js';
import type { LookupType } from '../lookups/lookup.types.js';

// The links of the report pages: every one carries the filter, so paging, downloading or copying
// works on the rows the analyst is looking at.

export const VERDICT_LABELS: Record<Verdict, string> = {
  malicious: 'Malicious',
  suspicious: 'Suspicious',
  clean: 'Clean',
  not_suspicious: 'Not suspicious',
  not_found: 'Not found',
  invalid: 'Invalid',
  error: 'Error',
  pending: 'Pending',
};

export const TYPE_LABELS: Record<LookupType, string> = {
  md5: 'MD5',
  sha1: 'SHA-1',
  sha256: 'SHA-256',
  domain: 'Domain',
  ip: 'IP address',
};

/** Domains and IPs share a row's `hash` column with hashes, but not its file facts. */
export const isNetworkType = (type: LookupType | null): type is 'domain' | 'ip' => type === 'domain' || type === 'ip';

const VT_GUI = 'https://www.virustotal.com/gui';

/**
 * The row's object on VirusTotal's site: a file once VirusTotal has named its SHA-256, a domain or
 * an IP by the value looked up (its page exists, or says VirusTotal has nothing, either way).
 */
export function virusTotalUrl(row: Pick<ReportItemRow, 'hash' | 'hash_type' | 'sha256'>): string | null {
  if (row.hash && row.hash_type === 'domain') return `${VT_GUI}/domain/${encodeURIComponent(row.hash)}`;
  // IPv6 keeps its colons, as VirusTotal writes them in its own links.
  if (row.hash && row.hash_type === 'ip') return `${VT_GUI}/ip-address/${encodeURIComponent(row.hash).replace(/%3A/gi, ':')}`;
  return row.sha256 ? `${VT_GUI}/file/${encodeURIComponent(row.sha256)}` : null;
}

const COUNT_OF: Record<Verdict, keyof Counts> = {
  malicious: 'malicious',
  suspicious: 'suspicious',
  clean: 'clean',
  not_suspicious: 'notSuspicious',
  not_found: 'notFound',
  invalid: 'invalid',
  error: 'error',
  pending: 'pending',
};

/** A query string that parses back to the same values; empty ones are left out so links stay short. */
export function queryString(params: Record<string, string | readonly string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const one of [value ?? []].flat()) if (one !== '') search.append(name, one);
  }
  return search.toString();
}

/** Which rows: for the downloads and the hash list, which ignore the order and the page. */
export const filterQueryOf = (filter: ItemFilter) => queryString({ verdict: filter.verdict, q: filter.q });

/** The order and page size as query values; the defaults are left out so links stay short. */
const viewOf = (query: Pick<ReportPageQuery, 'sort' | 'per'>) => ({
  sort: query.sort === 'line' ? undefined : query.sort,
  per: query.per === DEFAULT_PAGE_SIZE ? undefined : String(query.per),
});

/** Everything but the page number, for the pager; the default order is left out. */
export const pagerQueryOf = (query: ReportPageQuery) => queryString({ verdict: query.verdict, q: query.q, ...viewOf(query) });

/**
 * The pager's previous and next links: from the page's first or last row when it has them (a range
 * read at any depth), else by page number; each carries the number the next page shows.
 */
export function pagerLinks(pagerQuery: string, at: { page: number; hasPrevious: boolean; hasNext: boolean; before: number | null; after: number | null }) {
  const href = (cursor: Record<string, string | undefined>) => `?${[pagerQuery, queryString(cursor)].filter((q) => q !== '').join('&')}`;
  return {
    // Page 1 is read from the start, whatever moved since.
    prevHref: !at.hasPrevious ? null : at.page <= 2 ? href({}) : href({ before: at.before === null ? undefined : String(at.before), page: String(at.page - 1) }),
    nextHref: at.hasNext ? href({ after: at.after === null ? undefined : String(at.after), page: String(at.page + 1) }) : null,
  };
}

/** The same rows in another order or page size, from the first page: column headers and the page-size links. */
export const viewHref = (query: ReportPageQuery, change: { sort?: ItemSort; per?: number }) => {
  const search = queryString({ verdict: query.verdict, q: query.q, ...viewOf({ sort: change.sort ?? query.sort, per: change.per ?? query.per }) });
  return search === '' ? '?' : `?${search}`;
};

export interface VerdictBar {
  verdict: Verdict;
  label: string;
  count: number;
  /** The report page showing only this verdict, in the current order. */
  href: string;
  /** The verdict is part of the current filter. */
  active: boolean;
}

/** One bar per verdict, each a link to its rows; `max` scales them so the longest fills the row. */
export function verdictBars(counts: Counts, query: ReportPageQuery): { bars: VerdictBar[]; max: number } {
  const bars = VERDICTS.filter((verdict) => shown(verdict, counts, query)).map((verdict) => ({
    verdict,
    label: VERDICT_LABELS[verdict],
    count: counts[COUNT_OF[verdict]],
    href: `?${queryString({ verdict, ...viewOf(query) })}`,
    active: query.verdict.includes(verdict),
  }));
  return { bars, max: Math.max(1, ...bars.map((b) => b.count)) };
}

/** Only domains and IPs are ever "not suspicious": a report of hashes alone is not offered an empty bar for it. */
const shown = (verdict: Verdict, counts: Counts, query: ReportPageQuery) =>
  verdict !== 'not_suspicious' || counts.notSuspicious > 0 || query.verdict.includes(verdict);
