import type { Db } from '../shared/database.js';
import { onConnection, type QueryRunner } from '../shared/read-pool.js';
import { lastLine, positionAt, positionOf, readLines, readPage, type PageRequest, type Position } from './report-page.repository.js';
import type { Counts } from './report-summary.js';
import * as repo from './report.repository.js';
import type { ReportPageQuery } from './report.schemas.js';
import type { ReportItemRow, Verdict } from './report.table.js';

// One page of a report's rows: a range read from a row (the cursor of the page's links) or from the
// first row of page N, and how many rows match, from the kept counts.

/** A search counts its matches no further than this ("1,000+"): a count would read every row. */
export const SEARCH_COUNT_CAP = 1000;

export interface RowsPage {
  items: ReportItemRow[];
  /** Rows that pass the filter in all (for a search, at most SEARCH_COUNT_CAP). */
  matching: number;
  /** A search found more than `matching` rows. */
  moreThan: boolean;
  /** The page's number as the analyst reached it (a cursor link carries it along). */
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  /** The cursors of the previous and next pages (lines of the first and last row); null for a search, which pages by number. */
  before: number | null;
  after: number | null;
}

const byVerdict = (c: Counts): Partial<Record<Verdict, number>> => ({
  malicious: c.malicious,
  suspicious: c.suspicious,
  clean: c.clean,
  not_suspicious: c.notSuspicious,
  not_found: c.notFound,
  invalid: c.invalid,
  error: c.error,
  pending: c.pending,
});

/** The page the query asks for: after or before a row's line, or page N; `counts` are the report's kept counts. */
export async function readRowsPage(db: Db, reportId: string, counts: Counts, query: ReportPageQuery, reads: QueryRunner = onConnection(db)): Promise<RowsPage> {
  const per = query.per;
  if (query.q !== '') return searchPage(db, reportId, query, reads);
  const verdictCounts = byVerdict(counts);
  const matching = query.verdict.length === 0 ? counts.total : query.verdict.reduce((sum, v) => sum + (verdictCounts[v] ?? 0), 0);
  const request: PageRequest = { reportId, verdicts: query.verdict, sort: query.sort, limit: per + 1 };
  const cursorLine = query.after ?? query.before;
  const cursor = cursorLine === undefined ? undefined : await repo.findItemByLine(db, reportId, cursorLine);
  const page = (rows: ReportItemRow[], pageNumber: number, previous: boolean, next: boolean): RowsPage => ({
    items: rows,
    matching,
    moreThan: false,
    page: pageNumber,
    hasPrevious: previous,
    hasNext: next,
    before: previous && rows.length > 0 ? rows[0]!.line : null,
    after: next && rows.length > 0 ? rows.at(-1)!.line : null,
  });
  if (cursor && query.after !== undefined) {
    const rows = await readPage(db, reads, request, positionOf(cursor, query.sort));
    return page(rows.slice(0, per), Math.max(2, query.page), true, rows.length > per);
  }
  if (cursor && query.before !== undefined) {
    const rows = await readPage(db, reads, request, positionOf(cursor, query.sort), { backward: true });
    // Fewer than a page and one before the cursor: this is the first page.
    if (rows.length > per) return page(rows.slice(1), Math.max(2, query.page), true, true);
  }
  const pageNumber = cursor && query.before !== undefined ? 1 : query.page;
  const offset = (pageNumber - 1) * per;
  let from: Position | null = null;
  if (offset > 0) {
    // Lines 1…n (a list without blank or repeated lines): page N of the line order is lines offset+1…offset+per.
    if (query.sort === 'line' && query.verdict.length === 0 && (await lastLine(db, reportId)) === counts.total) {
      const rows = await readLines(db, reads, reportId, offset + 1, offset + per);
      return page(rows, pageNumber, true, offset + per < counts.total);
    }
    from = await positionAt(db, reads, request, offset, verdictCounts);
    if (!from) return page([], pageNumber, true, false);
  }
  const rows = await readPage(db, reads, request, from, { inclusive: true });
  return page(rows.slice(0, per), pageNumber, pageNumber > 1, rows.length > per);
}

/**
 * A search reads its matches through index ranges (report-search.repository.ts), each range no
 * further than SEARCH_COUNT_CAP entries, and pages among them by number: no search reads more than a
 * few thousand index entries, however large the report or the match. Past SEARCH_COUNT_CAP matches
 * the page says "1,000+" and pages through the first SEARCH_COUNT_CAP only.
 */
async function searchPage(db: Db, reportId: string, query: ReportPageQuery, reads: QueryRunner): Promise<RowsPage> {
  const offset = (query.page - 1) * query.per;
  const rows = offset >= SEARCH_COUNT_CAP ? [] : await repo.listItems(db, reportId, query, query.sort, query.per + 1, offset, reads, SEARCH_COUNT_CAP);
  // A page that holds every match has counted them: a second pass over the matches would tell nothing new.
  const holdsTheLast = rows.length <= query.per && (rows.length > 0 || offset === 0);
  const counted = holdsTheLast ? offset + rows.length : await repo.countItemsUpTo(db, reportId, query, SEARCH_COUNT_CAP + 1, reads);
  const items = rows.slice(0, query.per);
  return {
    items,
    matching: Math.min(counted, SEARCH_COUNT_CAP),
    moreThan: counted > SEARCH_COUNT_CAP,
    page: query.page,
    hasPrevious: query.page > 1,
    hasNext: rows.length > query.per && offset + query.per < SEARCH_COUNT_CAP,
    // A search pages by number: its links carry no cursor.
    before: null,
    after: null,
  };
}
