import { PassThrough, type Writable } from 'node:stream';
import type { Db } from '../../shared/database.js';
import { NotFoundError } from '../../shared/errors.js';
import * as repo from '../report.repository.js';
import { countSameFileRows } from '../same-file.repository.js';
import { summariseCounted, type ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import type { ReportItemRow } from '../report.table.js';
import { describeFilter, writeReportPdf } from './pdf.js';

// A report's PDF made from the database: its download (the rows the page shows) and the completion
// email's attachment (every row). pdfkit draws on the main thread, so a PDF holds at most PDF_MAX_ROWS
// rows (config.ts); above that the CSV, which streams at a fraction of the cost, is the file to take.

const EVERY_ROW: ItemFilter = { verdict: [], q: '' };

/** How many rows pass the filter, or null when more than `maxRows` do: too many for a PDF. Counts no further than that. */
export async function countPdfRows(db: Db, reportId: string, filter: ItemFilter, maxRows: number): Promise<number | null> {
  const rows = await repo.countItemsUpTo(db, reportId, filter, maxRows + 1);
  return rows > maxRows ? null : rows;
}

/**
 * Writes the report's PDF (the `rowCount` rows `rows` gives, read with `signal`) to `out`; false when
 * `signal` aborted or `out` closed first, and the rest was not drawn.
 */
export function writePdf(out: Writable, report: ReportSummary, ownerEmail: string, filter: ItemFilter, rows: { count: number; items: AsyncIterable<ReportItemRow> }, signal?: AbortSignal, notice: string | null = null): Promise<boolean> {
  const header = { report, ownerEmail, filter: describeFilter(filter), generatedAt: new Date(), notice, rowCount: rows.count };
  return writeReportPdf(out, header, rows.items, signal);
}

/** Why the completion email carries no PDF of a report: more rows than PDF_MAX_ROWS. */
export class TooManyRowsForPdf extends Error {
  constructor(readonly maxRows: number) {
    super(`the report has more than ${maxRows} rows, too many for a PDF`);
  }
}

/**
 * The whole report as a PDF in memory, for the completion email (which checks its size before
 * attaching). Throws TooManyRowsForPdf above `maxRows`, and signal.reason once `signal` aborts (the
 * sender is stopping): a partial file is never returned.
 */
export async function renderReportPdf(db: Db, reportId: string, maxRows: number, signal?: AbortSignal): Promise<Buffer> {
  const row = await repo.findReportWithOwner(db, reportId);
  if (!row) throw new NotFoundError('Report not found.');
  const count = await countPdfRows(db, reportId, EVERY_ROW, maxRows);
  if (count === null) throw new TooManyRowsForPdf(maxRows);
  const report = summariseCounted(row, await repo.countVerdicts(db, [row.id]), await countSameFileRows(db, [row.id]));
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writePdf(sink, report, row.owner_email, EVERY_ROW, { count, items: repo.iterateItems(db, report.id, EVERY_ROW, signal) }, signal);
  signal?.throwIfAborted();
  return Buffer.concat(chunks);
}
