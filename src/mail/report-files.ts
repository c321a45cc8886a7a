import { Writable } from 'node:stream';
import type { Db } from '../shared/database.js';
import { iterateItems } from '../reports/report.repository.js';
import { streamCsv } from '../reports/files/csv.js';
import type { ReportItemRow } from '../reports/report.table.js';
import type { ReportFileRenderers } from './report-attachment.js';

/** The shape reports/files/pdf-export.ts renderReportPdf has: the whole file at once. */
export type WholeFileRenderer = (db: Db, reportId: string) => Promise<Buffer>;

/** The renderers the completion email may attach; PDF is offered only when `renderPdf` is given. */
export function reportFileRenderers(db: Db, renderPdf?: WholeFileRenderer): ReportFileRenderers {
  return {
    csv: (reportId, maxBytes) => renderReportCsv(db, reportId, maxBytes),
    pdf: renderPdf && ((reportId) => renderPdf(db, reportId)),
  };
}

/**
 * The report's CSV export, byte for byte what /reports/:id/export.csv sends, as a Buffer; null as
 * soon as it passes `maxBytes`, so a million-row report is never held in memory to be refused.
 */
export async function renderReportCsv(db: Db, reportId: string, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      done();
    },
  });
  await streamCsv(sink, until(iterateItems(db, reportId), () => size > maxBytes));
  sink.end();
  return size > maxBytes ? null : Buffer.concat(chunks);
}

async function* until(items: AsyncIterable<ReportItemRow>, stop: () => boolean): AsyncGenerator<ReportItemRow> {
  for await (const item of items) {
    if (stop()) return;
    yield item;
  }
}
