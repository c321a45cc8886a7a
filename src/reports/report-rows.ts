import { createHash, randomBytes } from 'node:crypto';
import type { Application } from 'express';
import type { Thresholds } from '../lookups/verdict.js';
import { formatAge } from '../web/format.js';
import { shortValue } from '../web/short-value.js';
import { toItemView } from './report-view.js';
import type { ReportItemRow } from './report.table.js';

// The report page's rows as HTML, kept per instance: rendering a hundred rows (their views, their
// escaping, their dates) was about a third of a page view's CPU, and most views of a page show the
// rows the last view showed (a finished report, paged back and forth, reloaded).
//
// What is kept is named by a digest of everything the rows are made from: the rows as just read
// (every column), the report and the user, the same-file lines and the quota wait. A row changed in
// any way is a new digest, so a kept fragment is never stale. report_counts.revision is cheaper but
// moves only when a verdict does (today every new answer passes through pending, but nothing holds a
// future writer to that); the digest costs about as much as rendering a tenth of the rows.
// The rows were read by the owner-scoped page query, so a fragment is only reached by its owner.
//
// It is kept as UTF-8, between the rows' ages (which each view fills in as of its own time): turning
// the whole page into bytes on every view cost as much as the digest and the ages together.

/** Most bytes of kept HTML per instance; the least recently shown goes first. */
export const ROWS_CACHE_BYTES = 32 * 1024 * 1024;

/** Marks where a row's age goes: random per process, so no text in a list can pass for one. */
const AGE_MARK = `\u0001${randomBytes(6).toString('hex')}:`;
const AGE_MARKS = new RegExp(`${AGE_MARK}(\\d+)\u0001`);

export interface RowsInput {
  userId: number;
  reportId: string;
  rows: readonly ReportItemRow[];
  /** report.service.ts sameFileLines for these rows. */
  sameFile: ReadonlyMap<number, number>;
  /** Pending rows say when lookups resume while the quota is spent. */
  waitingForQuotaUntil: Date | null;
}

/** The rows' HTML in UTF-8, cut at the ages: text, age (ms since the epoch), text, age, …, text. */
type Fragment = { parts: Array<Buffer | number>; bytes: number };

export class ReportRows {
  private readonly kept = new Map<string, Fragment>();
  private bytes = 0;

  constructor(
    private readonly thresholds: Thresholds,
    private readonly maxBytes = ROWS_CACHE_BYTES,
  ) {}

  /** The rows' HTML in UTF-8 pieces, rendered by `app`'s views, the ages as of `now`. */
  async html(app: Application, input: RowsInput, now: number): Promise<Buffer[]> {
    const key = digest(input);
    let fragment = this.kept.get(key);
    if (fragment === undefined) {
      fragment = cut(await this.render(app, input));
      this.keep(key, fragment);
    } else {
      // Re-inserted: a Map iterates in insertion order, so its first key is the least recently shown.
      this.kept.delete(key);
      this.kept.set(key, fragment);
    }
    return fragment.parts.map((part) => (typeof part === 'number' ? Buffer.from(formatAge(part, now)) : part));
  }

  private render(app: Application, input: RowsInput): Promise<string> {
    const items = input.rows.map((row) => toItemView(row, this.thresholds, input.sameFile.get(row.line) ?? null));
    const locals = {
      items,
      report: { id: input.reportId },
      estimate: input.waitingForQuotaUntil ? { waitingForQuotaUntil: input.waitingForQuotaUntil } : null,
      shortValue,
      age: (at: number) => `${AGE_MARK}${Math.round(at)}\u0001`,
    };
    return new Promise((resolve, reject) => app.render('reports/rows', locals, (err, html) => (err ? reject(err) : resolve(html))));
  }

  private keep(key: string, fragment: Fragment): void {
    if (fragment.bytes > this.maxBytes) return;
    this.kept.set(key, fragment);
    this.bytes += fragment.bytes;
    while (this.bytes > this.maxBytes) {
      const [oldest, dropped] = this.kept.entries().next().value as [string, Fragment];
      this.kept.delete(oldest);
      this.bytes -= dropped.bytes;
    }
  }
}

/** The rendered rows cut at their age marks (split with a capture group alternates text and age). */
function cut(html: string): Fragment {
  const pieces = html.split(AGE_MARKS);
  const parts = pieces.map((piece, i) => (i % 2 === 1 ? Number(piece) : Buffer.from(piece)));
  return { parts, bytes: parts.reduce<number>((sum, part) => sum + (typeof part === 'number' ? 8 : part.length), 0) };
}

function digest(input: RowsInput): string {
  // Both databases give numbers and strings only (PostgreSQL's int8 is parsed to a number: shared/postgres.ts).
  const text = JSON.stringify([input.userId, input.reportId, input.rows, [...input.sameFile], input.waitingForQuotaUntil?.getTime() ?? null]);
  return createHash('sha256').update(text).digest('base64url');
}
