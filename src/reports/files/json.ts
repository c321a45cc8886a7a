import type { Writable } from 'node:stream';
import type { ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import type { ReportItemRow } from '../report.table.js';
import { toExportItem } from './export-row.js';
import { CHUNK_CHARS, streamText } from './text-stream.js';

/**
 * `filter` says which rows the file holds; null for every row. The counts stay the whole report's.
 * `notice` (the demo's) heads the file.
 * Stops when `signal` aborts (the client left).
 */
export function streamJson(out: Writable, report: ReportSummary, items: AsyncIterable<ReportItemRow>, filter: ItemFilter | null = null, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamText(out, jsonText(report, items, filter, notice), signal);
}

async function* jsonText(report: ReportSummary, items: AsyncIterable<ReportItemRow>, filter: ItemFilter | null, notice: string | null): AsyncGenerator<string> {
  const head = {
    // The demo's "every result here is simulated", first; null for real answers.
    notice,
    id: report.id,
    name: report.name,
    status: report.status,
    createdAt: report.createdAt.toISOString(),
    completedAt: report.completedAt?.toISOString() ?? null,
    counts: report.counts,
    sameFile: report.sameFile,
    filter,
  };
  let chunk = `${JSON.stringify(head).slice(0, -1)},"items":[`;
  let separator = '\n';
  for await (const row of items) {
    chunk += `${separator}${JSON.stringify(toExportItem(row))}`;
    separator = ',\n';
    if (chunk.length < CHUNK_CHARS) continue;
    yield chunk;
    chunk = '';
  }
  yield `${chunk}\n]}\n`;
}
