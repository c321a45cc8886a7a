import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import { PassThrough, type Writable } from 'node:stream';
import { writeReportPdf } from './report-pdf.js';
import { readWholeAnswer } from '../lookups/lookup-queue.js';
import { fileDetailFromAnswer, sortEngines, type EngineSort, type FileDetail } from './file-detail.js';
import { networkDetailFromAnswer, type NetworkDetail } from './network-detail.js';
import { isNetworkType, TYPE_LABELS, virusTotalUrl } from './report-links.js';
import { categoriesOf } from './report-export.js';
import * as repo from './report.repository.js';
import type { ItemFilter, ListKind, ReportListFilter, ReportPageQuery } from './report.schemas.js';
import type { ReportItemRow, ReportRow } from './report.table.js';

export interface Counts {
  total: number;
  malicious: number;
  suspicious: number;
  clean: number;
  /** Domains and IPs only. */
  notSuspicious: number;
  notFound: number;
  invalid: number;
  error: number;
  pending: number;
}

export type ReportStatus = 'queued' | 'running' | 'completed';

export interface ReportSummary {
  id: string;
  name: string;
  status: ReportStatus;
  createdAt: Date;
  completedAt: Date | null;
  counts: Counts;
  /** Share of rows with an answer, 0..1. */
  progress: number;
  email: { status: 'waiting' | 'pending' | 'sent' | 'failed'; error: string | null; attempts: number } | null;
}

export function toCounts(byVerdict: repo.VerdictCounts): Counts {
  const c = (k: keyof repo.VerdictCounts) => byVerdict[k] ?? 0;
  const counts = {
    malicious: c('malicious'),
    suspicious: c('suspicious'),
    clean: c('clean'),
    notSuspicious: c('not_suspicious'),
    notFound: c('not_found'),
    invalid: c('invalid'),
    error: c('error'),
    pending: c('pending'),
  };
  return { total: Object.values(counts).reduce((a, b) => a + b, 0), ...counts };
}

export function summarise(row: ReportRow, counts: Counts): ReportSummary {
  const lookups = counts.total - counts.invalid;
  const status: ReportStatus = row.state === 'completed' ? 'completed' : counts.pending < lookups ? 'running' : 'queued';
  return {
    id: row.id,
    name: row.name,
    status,
    createdAt: new Date(row.created_at),
    completedAt: row.completed_at ? new Date(row.completed_at) : null,
    counts,
    progress: counts.total === 0 ? 1 : (counts.total - counts.pending) / counts.total,
    email: row.email_status ? { status: row.email_status, error: row.email_error, attempts: row.email_attempts } : null,
  };
}

export async function listReports(db: Db, userId: number, filter: ReportListFilter, page: number, perPage: number) {
  const [rows, total] = await Promise.all([
    repo.listReportsForUser(db, userId, filter, perPage, (page - 1) * perPage),
    repo.countReportsForUser(db, userId, filter),
  ]);
  const counts = await repo.countVerdicts(db, rows.map((r) => r.id));
  return { reports: rows.map((r) => summarise(r, toCounts(counts.get(r.id) ?? {}))), total };
}

/** The report if `userId` owns it; anyone else gets the same 404 as for a report that never existed. */
export async function getReportForUser(db: Db, id: string, userId: number): Promise<ReportSummary> {
  const row = await repo.findReportForUser(db, id, userId);
  if (!row) throw new NotFoundError('Report not found.');
  const counts = await repo.countVerdicts(db, [row.id]);
  return summarise(row, toCounts(counts.get(row.id) ?? {}));
}

/** A report row with what its table cell and its page show besides the stored columns. */
export interface ReportItemView extends ReportItemRow {
  /** "SHA-256", "Domain", "IP address"; null for an invalid line. */
  typeLabel: string | null;
  /** A domain or an IP address: no file hashes, reputation and owner facts instead. */
  isNetwork: boolean;
  virusTotalUrl: string | null;
  /** The domain's distinct category names; empty for files and IPs. */
  categoryList: string[];
}

export function toItemView(row: ReportItemRow): ReportItemView {
  return {
    ...row,
    typeLabel: row.hash_type ? TYPE_LABELS[row.hash_type] : null,
    isNetwork: isNetworkType(row.hash_type),
    virusTotalUrl: virusTotalUrl(row),
    categoryList: categoriesOf(row.categories) ?? [],
  };
}

export interface ItemView {
  item: ReportItemView;
  /** A file's engines and facts, from the whole answer the row was filled from; null when there is none. */
  detail: FileDetail | null;
  /** A domain's or an IP's engines and facts, likewise. */
  network: NetworkDetail | null;
}

/** One row of the user's report with VirusTotal's whole answer read back; 404 for anyone else's. */
export async function getItemForUser(db: Db, reportId: string, itemId: number, userId: number, sort: EngineSort): Promise<ItemView & { report: ReportSummary }> {
  const report = await getReportForUser(db, reportId, userId);
  const row = await repo.findItem(db, report.id, itemId);
  if (!row) throw new NotFoundError('Row not found.');
  const item = toItemView(row);
  const answer = await readWholeAnswer(db, row.answer_id);
  const network = item.isNetwork ? networkDetailFromAnswer(answer) : null;
  const detail = answer && !item.isNetwork ? fileDetailFromAnswer(answer) : null;
  if (detail) detail.engines = sortEngines(detail.engines, sort);
  if (network) network.engines = sortEngines(network.engines, sort);
  return { report, item, detail, network };
}

/** One page of the rows that pass the filter, and how many pass it in all. */
export async function listReportItems(db: Db, reportId: string, query: ReportPageQuery, perPage: number): Promise<{ items: ReportItemView[]; matching: number }> {
  const [items, matching] = await Promise.all([
    repo.listItems(db, reportId, query, query.sort, perPage, (query.page - 1) * perPage),
    repo.countItems(db, reportId, query),
  ]);
  return { items: items.map(toItemView), matching };
}

/** The rows that pass the filter, read in batches: a 100,000-row export never sits in memory. */
export function exportItems(db: Db, reportId: string, filter: ItemFilter): AsyncIterable<ReportItemRow> {
  return repo.iterateItems(db, reportId, filter);
}

/**
 * One kind of hash (or the domains and IPs) of the rows that pass the filter, each once: a list
 * holding both the MD5 and the SHA-256 of a file has two rows for it, and a pasted blocklist wants
 * it once. The set of values seen grows with the report, the text does not.
 */
export async function* listMatchingHashes(db: Db, reportId: string, filter: ItemFilter, kind: ListKind): AsyncGenerator<string> {
  const seen = new Set<string>();
  for await (const hash of repo.iterateHashes(db, reportId, filter, kind)) {
    if (seen.has(hash)) continue;
    seen.add(hash);
    yield hash;
  }
}

export async function deleteReportForUser(db: Db, id: string, userId: number): Promise<void> {
  const row = await repo.findReportForUser(db, id, userId);
  if (!row) throw new NotFoundError('Report not found.');
  await repo.deleteReport(db, id);
}

/**
 * Marks reports with no pending row left as completed and, when asked for, queues their email.
 * Returns the ids that completed now.
 */
export async function completeFinishedReports(db: Db, ids: string[], now = Date.now()): Promise<string[]> {
  const completed: string[] = [];
  for (const report of await repo.findActiveReports(db, ids)) {
    if (await repo.hasPendingItems(db, report.id)) continue;
    await repo.updateReport(db, report.id, {
      state: 'completed',
      completed_at: now,
      ...(report.notify_email ? { email_status: 'pending' as const, email_next_at: now } : {}),
    });
    completed.push(report.id);
  }
  return completed;
}

/** The filter in words, for the PDF's header: "verdict malicious, suspicious; search \"abc\"". */
export function describeFilter(filter: ItemFilter): string | null {
  const parts = [
    ...(filter.verdict.length > 0 ? [`verdict ${filter.verdict.map((v) => v.replace('_', ' ')).join(', ')}`] : []),
    ...(filter.q !== '' ? [`search "${filter.q}"`] : []),
  ];
  return parts.length > 0 ? parts.join('; ') : null;
}

/** Writes the report's PDF (the rows matching `filter`) to `out`. */
export async function writePdf(db: Db, out: Writable, report: ReportSummary, ownerEmail: string, filter: ItemFilter): Promise<void> {
  await writeReportPdf(out, { report, ownerEmail, filter: describeFilter(filter), generatedAt: new Date() }, exportItems(db, report.id, filter));
}

/** The whole report as a PDF in memory, for the completion email (which checks its size before attaching). */
export async function renderReportPdf(db: Db, reportId: string): Promise<Buffer> {
  const row = await repo.findReportWithOwner(db, reportId);
  if (!row) throw new NotFoundError('Report not found.');
  const counts = await repo.countVerdicts(db, [row.id]);
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  await writePdf(db, sink, summarise(row, toCounts(counts.get(row.id) ?? {})), row.owner_email, { verdict: [], q: '' });
  return Buffer.concat(chunks);
}
