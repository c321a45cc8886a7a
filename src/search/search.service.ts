import type { Db } from '../shared/database.js';
import type { Thresholds } from '../lookups/verdict.js';
import { toItemView, type ReportItemView } from '../reports/report-view.js';
import { searchTerms, type SearchTerms } from '../reports/search-terms.js';
import { findValueInUserReports } from './search.repository.js';

/** Rows listed at most: a value in more rows than this is in a blocklist, and the page says there are more. */
export const SEARCH_LIMIT = 200;

export interface SearchHit {
  reportId: string;
  reportName: string;
  reportCreatedAt: Date;
  item: ReportItemView;
}

export interface SearchResult {
  /** How the query was read: as typed, and the value it names (null when it names none). */
  terms: SearchTerms;
  hits: SearchHit[];
  /** More rows name the value than are listed. */
  more: boolean;
}

/** Every row of the user's reports that names the value the query names (any of a file's three hashes, a domain, an IP). */
export async function searchUserReports(db: Db, userId: number, query: string, thresholds: Thresholds): Promise<SearchResult> {
  const terms = searchTerms(query);
  if (!terms.value) return { terms, hits: [], more: false };
  const rows = await findValueInUserReports(db, userId, terms.value, SEARCH_LIMIT + 1);
  const hits = rows.slice(0, SEARCH_LIMIT).map((row) => ({
    reportId: row.report_id,
    reportName: row.report_name,
    reportCreatedAt: new Date(row.report_created_at),
    item: toItemView(row, thresholds),
  }));
  return { terms, hits, more: rows.length > SEARCH_LIMIT };
}
