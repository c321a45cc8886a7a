import type { Writable } from 'node:stream';
import type { ReportSummary } from '../report-summary.js';
import type { ItemFilter } from '../report.schemas.js';
import type { ReportItemRow } from '../report.table.js';
import { EXPORT_COLUMNS, EXPORT_VALUES, exportRowBatches, type ExportRow } from './export-row.js';
import { CHUNK_CHARS, streamText } from './text-stream.js';

/**
 * `filter` says which rows the file holds; null for every row. The counts stay the whole report's.
 * `notice` (the demo's) heads the file.
 * Stops when `signal` aborts (the client left).
 */
export function streamJson(out: Writable, report: ReportSummary, items: AsyncIterable<ReportItemRow>, filter: ItemFilter | null = null, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamJsonRows(out, report, exportRowBatches(items), filter, signal, notice);
}

/** The same file from rows read as arrays (export-rows.repository.ts), a batch at a time. */
export function streamJsonRows(out: Writable, report: ReportSummary, batches: AsyncIterable<readonly ExportRow[]>, filter: ItemFilter | null = null, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamText(out, jsonText(report, batches, filter, notice), signal);
}

async function* jsonText(report: ReportSummary, batches: AsyncIterable<readonly ExportRow[]>, filter: ItemFilter | null, notice: string | null): AsyncGenerator<string> {
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
  for await (const rows of batches) {
    for (const row of rows) {
      chunk += `${separator}${jsonObject(row)}`;
      separator = ',\n';
      if (chunk.length < CHUNK_CHARS) continue;
      yield chunk;
      chunk = '';
    }
  }
  yield `${chunk}\n]}\n`;
}

/** `"name":` of each field, quoted once for every row. */
const KEYS = EXPORT_COLUMNS.map((name) => `${JSON.stringify(name)}:`);

/**
 * The row's export object as JSON.stringify writes it (fields in EXPORT_COLUMNS order, an undefined
 * one left out), written field by field: building the object first cost as much as its text.
 */
function jsonObject(row: ExportRow): string {
  let text = '';
  for (let i = 0; i < KEYS.length; i++) {
    const value = (EXPORT_VALUES[i] as (row: ExportRow) => unknown)(row);
    if (value === undefined) continue;
    text += `${text === '' ? '{' : ','}${KEYS[i]}${jsonValue(value)}`;
  }
  return text === '' ? '{}' : `${text}}`;
}

function jsonValue(value: unknown): string {
  if (value === null) return 'null';
  // JSON.stringify writes a finite number as String does, and NaN or Infinity as null.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}
