import type { Writable } from 'node:stream';
import type { ReportItemRow } from '../report.table.js';
import { EXPORT_COLUMNS, toExportItem } from './export-row.js';
import { streamText } from './text-stream.js';

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
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/**
 * The report's rows as CSV: a header of EXPORT_COLUMNS, then a line a row; stops when `signal` aborts.
 * A `notice` (the demo's: its results are simulated) comes first, on a line of its own, where nobody
 * opening the file can miss it.
 */
export function streamCsv(out: Writable, items: AsyncIterable<ReportItemRow>, signal?: AbortSignal, notice: string | null = null): Promise<void> {
  return streamText(out, csvText(items, notice), signal);
}

async function* csvText(items: AsyncIterable<ReportItemRow>, notice: string | null): AsyncGenerator<string> {
  if (notice) yield `${csvCell(notice)}\r\n`;
  yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  for await (const row of items) {
    const item = toExportItem(row);
    yield `${EXPORT_COLUMNS.map((c) => csvCell(item[c])).join(',')}\r\n`;
  }
}
