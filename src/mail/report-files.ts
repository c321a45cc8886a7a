import { Writable } from 'node:stream';
import type { Db } from '../shared/database.js';
import { iterateItems } from '../reports/report.repository.js';
import { streamCsv } from '../reports/files/csv.js';
import type { ReportItemRow } from '../reports/report.table.js';
import type { ReportFileRenderers } from './report-attachment.js';

/** The shape reports/files/pdf-export.ts renderReportPdf has (its row cap bound): the whole file at once. */
export type WholeFileRenderer = (db: Db, reportId: string, signal?: AbortSignal) => Promise<Buffer>;

/** The renderers the completion email may attach; PDF is offered only when `renderPdf` is given. */
export function reportFileRenderers(db: Db, renderPdf?: WholeFileRenderer): ReportFileRenderers {
  return {
    csv: (reportId, maxBytes, signal) => renderReportCsv(db, reportId, maxBytes, signal),
    pdf: renderPdf && ((reportId, _maxBytes, signal) => renderPdf(db, reportId, signal)),
  };
}

/**
 * The report's CSV export, byte for byte what /reports/:id/export.csv sends, as a Buffer; null as
 * soon as it passes `maxBytes`, so a million-row report is never held in memory to be refused.
 * Rejects with signal.reason once `signal` aborts: never part of a file.
 */
export async function renderReportCsv(db: Db, reportId: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      done();
    },
  });
  await streamCsv(sink, until(iterateItems(db, reportId, undefined, signal), () => size > maxBytes), signal);
  signal?.throwIfAborted();
  sink.end();
  return size > maxBytes ? null : Buffer.concat(chunks);
}

async function* until(items: AsyncIterable<ReportItemRow>, stop: () => boolean): AsyncGenerator<ReportItemRow> {
  for await (const item of items) {
    if (stop()) return;
    yield item;
  }
}
