import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ReportItemRow } from './report.table.js';
import type { ReportSummary } from './report.service.js';

export interface ExportItem {
  line: number;
  input: string;
  hashType: string | null;
  status: string;
  verdict: string;
  sha256: string | null;
  sha1: string | null;
  md5: string | null;
  malicious: number | null;
  suspicious: number | null;
  undetected: number | null;
  harmless: number | null;
  engines: number | null;
  fortinet: string | null;
  lastAnalysisDate: string | null;
  lookedUpAt: string | null;
  fromCache: boolean | null;
  error: string | null;
}

export const EXPORT_COLUMNS: (keyof ExportItem)[] = [
  'line', 'input', 'hashType', 'status', 'verdict', 'sha256', 'sha1', 'md5', 'malicious', 'suspicious',
  'undetected', 'harmless', 'engines', 'fortinet', 'lastAnalysisDate', 'lookedUpAt', 'fromCache', 'error',
];

export function toExportItem(row: ReportItemRow): ExportItem {
  return {
    line: row.line,
    input: row.input,
    hashType: row.hash_type,
    status: row.status,
    verdict: row.verdict,
    sha256: row.sha256,
    sha1: row.sha1,
    md5: row.md5,
    malicious: row.malicious,
    suspicious: row.suspicious,
    undetected: row.undetected,
    harmless: row.harmless,
    engines: row.engines,
    fortinet: row.fortinet,
    lastAnalysisDate: row.last_analysis_date,
    lookedUpAt: row.looked_up_at == null ? null : new Date(row.looked_up_at).toISOString(),
    fromCache: row.from_cache == null ? null : row.from_cache === 1,
    error: row.error,
  };
}

/** A CSV cell; text a spreadsheet would run as a formula gets a leading quote. */
export function csvCell(value: unknown): string {
  if (value == null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes and waits when the socket is full, so a 100,000-row export never sits in memory. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export async function streamCsv(out: Writable, items: AsyncIterable<ReportItemRow>): Promise<void> {
  await write(out, `${EXPORT_COLUMNS.join(',')}\r\n`);
  for await (const row of items) {
    const item = toExportItem(row);
    await write(out, `${EXPORT_COLUMNS.map((c) => csvCell(item[c])).join(',')}\r\n`);
  }
}

export async function streamJson(out: Writable, report: ReportSummary, items: AsyncIterable<ReportItemRow>): Promise<void> {
  const head = {
    id: report.id,
    name: report.name,
    status: report.status,
    createdAt: report.createdAt.toISOString(),
    completedAt: report.completedAt?.toISOString() ?? null,
    counts: report.counts,
  };
  await write(out, `${JSON.stringify(head).slice(0, -1)},"items":[`);
  let first = true;
  for await (const row of items) {
    await write(out, `${first ? '' : ','}\n${JSON.stringify(toExportItem(row))}`);
    first = false;
  }
  await write(out, '\n]}\n');
}
