import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { ReportItemRow } from './report.table.js';
import type { ReportSummary } from './report.service.js';
import type { ItemFilter } from './report.schemas.js';
import type { LookupType } from '../lookups/lookup.types.js';
import { virusTotalUrl } from './report-links.js';

/**
 * One row as the CSV and JSON exports (and the JSON API) give it. Files fill the hashes and
 * Fortinet's detection name; domains and IPs fill reputation, categories (domains), AS owner and
 * country (IPs), and Fortinet's result whatever it is ("clean", "unrated", "malware").
 */
export interface ExportItem {
  line: number;
  input: string;
  /** What was looked up: the hash, or the domain or IP the input names (a URL counts as its host). */
  value: string | null;
  type: LookupType | null;
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
  reputation: number | null;
  /** Distinct category names the vendors give a domain; null for files and IPs. */
  categories: string[] | null;
  asOwner: string | null;
  country: string | null;
  lastAnalysisDate: string | null;
  lookedUpAt: string | null;
  fromCache: boolean | null;
  virusTotalUrl: string | null;
  error: string | null;
}

export const EXPORT_COLUMNS: (keyof ExportItem)[] = [
  'line', 'input', 'value', 'type', 'status', 'verdict', 'sha256', 'sha1', 'md5', 'malicious', 'suspicious',
  'undetected', 'harmless', 'engines', 'fortinet', 'reputation', 'categories', 'asOwner', 'country',
  'lastAnalysisDate', 'lookedUpAt', 'fromCache', 'virusTotalUrl', 'error',
];

/** The row's `categories` column (a JSON array of names) read back; null when it holds none or garbage. */
export function categoriesOf(text: string | null): string[] | null {
  if (text == null) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : null;
  } catch {
    return null;
  }
}

export function toExportItem(row: ReportItemRow): ExportItem {
  return {
    line: row.line,
    input: row.input,
    value: row.hash,
    type: row.hash_type,
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
    reputation: row.reputation,
    categories: categoriesOf(row.categories),
    asOwner: row.as_owner,
    country: row.country,
    lastAnalysisDate: row.last_analysis_date,
    lookedUpAt: row.looked_up_at == null ? null : new Date(row.looked_up_at).toISOString(),
    fromCache: row.from_cache == null ? null : row.from_cache === 1,
    virusTotalUrl: virusTotalUrl(row),
    error: row.error,
  };
}

/** A CSV cell; a list is one cell, "a; b"; text a spreadsheet would run as a formula gets a leading quote. */
export function csvCell(value: unknown): string {
  if (value == null) return '';
  let text = Array.isArray(value) ? value.join('; ') : String(value);
  // A number (a reputation of -37) is data a spreadsheet should read as such, not a formula.
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function streamCsv(out: Writable, items: AsyncIterable<ReportItemRow>): Promise<void> {
  return streamText(out, csvText(items));
}

/** `filter` says which rows the file holds; null for every row. The counts stay the whole report's. */
export function streamJson(out: Writable, report: ReportSummary, items: AsyncIterable<ReportItemRow>, filter: ItemFilter | null = null): Promise<void> {
  return streamText(out, jsonText(report, items, filter));
}

/** Plain text, one value a line: the hash list that the copy button puts on the clipboard. */
export function streamLines(out: Writable, lines: AsyncIterable<string>): Promise<void> {
  return streamText(out, linesText(lines));
}

async function* linesText(lines: AsyncIterable<string>): AsyncGenerator<string> {
  for await (const line of lines) yield `${line}\n`;
}

async function* csvText(items: AsyncIterable<ReportItemRow>): AsyncGenerator<string> {
  yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  for await (const row of items) {
    const item = toExportItem(row);
    yield `${EXPORT_COLUMNS.map((c) => csvCell(item[c])).join(',')}\r\n`;
  }
}

async function* jsonText(report: ReportSummary, items: AsyncIterable<ReportItemRow>, filter: ItemFilter | null): AsyncGenerator<string> {
  const head = {
    id: report.id,
    name: report.name,
    status: report.status,
    createdAt: report.createdAt.toISOString(),
    completedAt: report.completedAt?.toISOString() ?? null,
    counts: report.counts,
    filter,
  };
  yield `${JSON.stringify(head).slice(0, -1)},"items":[`;
  let first = true;
  for await (const row of items) {
    yield `${first ? '' : ','}\n${JSON.stringify(toExportItem(row))}`;
    first = false;
  }
  yield '\n]}\n';
}

/** About 64 KB a write: one socket write per row cost more than turning the row into text. */
const CHUNK_CHARS = 64 * 1024;

/**
 * Sends the text as it is made, waiting whenever the socket is full, so a 100,000-row export never
 * sits in memory. Stops reading once the client has gone: nobody would receive the rest.
 */
async function streamText(out: Writable, pieces: AsyncIterable<string>): Promise<void> {
  let chunk = '';
  for await (const piece of pieces) {
    chunk += piece;
    if (chunk.length < CHUNK_CHARS) continue;
    if (!(await write(out, chunk))) return;
    chunk = '';
  }
  if (chunk !== '') await write(out, chunk);
}

/** False once the client has gone. */
async function write(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.write(chunk)) await drainedOrClosed(out);
  return !out.destroyed;
}

/** A cancelled download never drains; the listener that lost the race goes with it. */
async function drainedOrClosed(out: Writable): Promise<void> {
  const stop = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: stop.signal }), once(out, 'close', { signal: stop.signal })]);
  } finally {
    stop.abort();
  }
}
