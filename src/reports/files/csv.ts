import type { Writable } from 'node:stream';
import type { ReportItemRow } from '../report.table.js';
import { EXPORT_COLUMNS, EXPORT_VALUES, exportRowBatches, type ExportRow } from './export-row.js';
import { CHUNK_CHARS, streamText } from './text-stream.js';

/**
 * A CSV cell; a list is one cell, "a; b"; text a spreadsheet would run as a formula gets a leading
 * quote. Every cell that is not a number is quoted: a spreadsheet set to split on ";" (German and
 * French locales) would otherwise cut `x;=cmd|' /C calc'!A0` in two and run the second half.
 */
export function csvCell(value: unknown): string {
  if (value == null) return '';
  // A number (a reputation of -37) is data a spreadsheet should read as such, not a formula.
  if (typeof value === 'number') return String(value);
  let text = Array.isArray(value) ? value.join('; ') : String(value);
  if (FORMULA_START.has(text.charCodeAt(0))) text = `'${text}`;
  return `"${text.includes('"') ? text.replace(/"/g, '""') : text}"`;
}

/** = + - @ tab and carriage return: what a spreadsheet takes for the start of a formula. */
const FORMULA_START = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]);

/**
 * The report's rows as CSV: a header of EXPORT_COLUMNS, then a line a row; stops when `signal` aborts.
 * A `notice` (the demo's: its results are simulated) comes first, on a line of its own, where nobody
 * opening the file can miss it.
 */
export function streamCsv(out: Writable, items: AsyncIterable<ReportItemRow>, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamCsvRows(out, exportRowBatches(items), signal, notice);
}

/** The same file from rows read as arrays (export-rows.repository.ts), a batch at a time. */
export function streamCsvRows(out: Writable, batches: AsyncIterable<readonly ExportRow[]>, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamText(out, csvText(batches, notice), signal);
}

async function* csvText(batches: AsyncIterable<readonly ExportRow[]>, notice: string | null): AsyncGenerator<string> {
  let chunk = `${notice ? `${csvCell(notice)}\r\n` : ''}${EXPORT_COLUMNS.join(',')}\r\n`;
  for await (const rows of batches) {
    for (const row of rows) {
      chunk += csvLine(row);
      if (chunk.length < CHUNK_CHARS) continue;
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** A row's line, read cell by cell (EXPORT_VALUES) without building its export object first. */
function csvLine(row: ExportRow): string {
  let line = csvCell((EXPORT_VALUES[0] as (row: ExportRow) => unknown)(row));
  for (let i = 1; i < EXPORT_VALUES.length; i++) line += `,${csvCell((EXPORT_VALUES[i] as (row: ExportRow) => unknown)(row))}`;
  return `${line}\r\n`;
}
