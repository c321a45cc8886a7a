import { z } from 'zod';
import { NotFoundError } from '../shared/errors.js';
import { cleanText } from '../shared/text.js';
import type { Verdict } from './report.table.js';

/**
 * A form field a browser sends once, as text. A repeated name (`name=a&name=b`) or a bracketed one
 * (`name[x]`) reaches the body as an array or object: say so, rather than zod's "expected string".
 */
const formText = (label: string) => z.string({ error: `Send the ${label} once, as text.` }).optional();

export const uploadSchema = z.object({
  name: formText('report name')
    // Control characters in a name only ever come from a crafted request.
    .transform((v) => cleanText(v ?? ''))
    .pipe(z.string().max(200, 'Keep the report name under 200 characters.')),
  hashes: formText('pasted hashes').default(''),
  notify: formText('email choice'),
  /** Which button sent the form: `extract` reads any text for indicators and shows them first; anything else is a list. */
  mode: formText('upload mode'),
});

const pageNumber = z.coerce.number().int().min(1).max(1_000_000).catch(1);

/** The verdicts a report's rows can be filtered by, in the order the page lists them. */
export const VERDICTS = ['malicious', 'suspicious', 'clean', 'not_suspicious', 'not_found', 'invalid', 'error', 'pending'] as const satisfies readonly Verdict[];

/**
 * `?verdict=malicious&verdict=suspicious`. "not found" and "not-found" mean not_found; values it does
 * not know are dropped, so an edited or stale link shows more rows rather than an error.
 */
const verdictList = z.unknown().optional().transform((value): Verdict[] => {
  const given = new Set([value ?? []].flat().map((v) => String(v).trim().toLowerCase().replace(/[\s-]+/g, '_')));
  return VERDICTS.filter((v) => given.has(v));
});

/**
 * A search box: text once, at most 200 characters; anything else searches for nothing. Control
 * characters go: SQLite's LIKE stops reading a pattern at NUL, and "%\0" would match every name.
 */
const searchText = z
  .string()
  .transform(cleanText)
  .pipe(z.string().max(200))
  .catch('');

/** Which rows of a report: the page, its downloads and its hash list all take the same filter. */
export const itemFilterQuery = z.object({ verdict: verdictList, q: searchText });
export type ItemFilter = z.infer<typeof itemFilterQuery>;

/** `verdict` is most severe first (malicious, suspicious, then the rest), as an analyst triages. */
export const ITEM_SORTS = ['line', 'verdict', 'detections', 'last_analysis'] as const;
export type ItemSort = (typeof ITEM_SORTS)[number];

/** Rows a report page shows; 100 unless the analyst picks another. */
export const PAGE_SIZES = [50, 100, 500] as const;
export const DEFAULT_PAGE_SIZE = 100;
const pageSize = z.coerce
  .number()
  .refine((n) => (PAGE_SIZES as readonly number[]).includes(n))
  .catch(DEFAULT_PAGE_SIZE);

/** A page's cursor: the line of the row it reads after (next) or before (previous). */
const cursorLine = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined);

/** `page` alone jumps to page N; with `after` or `before` it is only the number to show, and the cursor decides the rows. */
export const reportPageQuery = itemFilterQuery.extend({ sort: z.enum(ITEM_SORTS).catch('line'), per: pageSize, page: pageNumber, after: cursorLine, before: cursorLine });
export type ReportPageQuery = z.infer<typeof reportPageQuery>;

/** What the copy button lists: one kind of file hash, or `value`, the domains and IPs looked up (they have no file hashes). */
export const LIST_KINDS = ['sha256', 'sha1', 'md5', 'value'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

export const hashListQuery = itemFilterQuery.extend({ kind: z.enum(LIST_KINDS).catch('sha256') });

export const REPORT_STATUSES = ['queued', 'running', 'completed'] as const;

/** The report list's orders: newest first (the default), or by name. */
export const REPORT_LIST_SORTS = ['created', 'name'] as const;
export type ReportListSort = (typeof REPORT_LIST_SORTS)[number];

/** Reports the list shows a page; 20 unless the analyst picks another. */
export const REPORT_LIST_SIZES = [20, 50, 100, 500] as const;
export const DEFAULT_REPORT_LIST_SIZE = 20;

/** The report list: name search and status, any status when the value is missing or unknown. */
export const reportListQuery = z.object({
  q: searchText,
  status: z.enum(REPORT_STATUSES).optional().catch(undefined),
  sort: z.enum(REPORT_LIST_SORTS).catch('created'),
  page: pageNumber,
  per: z.coerce
    .number()
    .refine((n) => (REPORT_LIST_SIZES as readonly number[]).includes(n))
    .catch(DEFAULT_REPORT_LIST_SIZE),
});
export type ReportListFilter = Omit<z.infer<typeof reportListQuery>, 'page' | 'sort' | 'per'> & { sort?: ReportListSort };

export const reportIdParam = z.string().regex(/^[A-Za-z0-9_-]{10,64}$/);

/** A row is addressed by its line in its report, never by its global id (which would count everyone's uploads). */
export const lineParam = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

// An id that cannot be a report's or a row's is the same 404 as one that is someone else's.
export function reportIdOf(value: unknown): string {
  const parsed = reportIdParam.safeParse(value);
  if (!parsed.success) throw new NotFoundError('Report not found.');
  return parsed.data;
}

export function lineOf(value: unknown): number {
  const parsed = lineParam.safeParse(value);
  if (!parsed.success) throw new NotFoundError('Row not found.');
  return parsed.data;
}

export const engineSortQuery = z.object({
  sort: z.enum(['detections', 'engine', 'category', 'result', 'updated']).catch('detections'),
});
