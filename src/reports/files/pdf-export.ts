import { PassThrough, type Writable } from 'node:stream';
import type { Db } from '../../shared/database.js';
import { NotFoundError } from '../../shared/errors.js';
import * as repo from '../report.repository.js';
import { summariseCounted, type ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import { describeFilter, writeReportPdf } from './pdf.js';

// A report's PDF made from the database: its download (the rows the page shows) and the completion
// email's attachment (every row).

/** Writes the report's PDF (the rows matching `filter`) to `out`. */
export async function writePdf(db: Db, out: Writable, report: ReportSummary, ownerEmail: string, filter: ItemFilter): Promise<void> {
  const header = { report, ownerEmail, filter: describeFilter(filter), generatedAt: new Date() };
  await writeReportPdf(out, header, repo.iterateItems(db, report.id, filter));
}

/** The whole report as a PDF in memory, for the completion email (which checks its size before attaching). */
export async function renderReportPdf(db: Db, reportId: string): Promise<Buffer> {
  const row = await repo.findReportWithOwner(db, reportId);
  if (!row) throw new NotFoundError('Report not found.');
  const report = summariseCounted(row, await repo.countVerdicts(db, [row.id]));
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writePdf(db, sink, report, row.owner_email, { verdict: [], q: '' });
  return Buffer.concat(chunks);
}
