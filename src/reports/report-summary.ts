import type { VerdictCounts } from './report.repository.js';
import type { ReportRow } from './report.table.js';

// A report as the app speaks of it: its rows counted by verdict, its status and progress.

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
  /** Rows whose answer names a file an earlier line already names (its MD5 on one line, its SHA-256 on another): one file, counted once. */
  sameFile: number;
  email: { status: 'waiting' | 'pending' | 'sent' | 'failed'; error: string | null; attempts: number } | null;
}

export function toCounts(byVerdict: VerdictCounts): Counts {
  const c = (k: keyof VerdictCounts) => byVerdict[k] ?? 0;
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

export function summarise(row: ReportRow, counts: Counts, sameFile: number): ReportSummary {
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
    sameFile,
    email: row.email_status ? { status: row.email_status, error: row.email_error, attempts: row.email_attempts } : null,
  };
}

/** The report summarised with its counts, as `countVerdicts` and `countSameFileRows` give them for several reports at once. */
export const summariseCounted = (row: ReportRow, byReport: Map<string, VerdictCounts>, sameFileByReport: Map<string, number>): ReportSummary =>
  summarise(row, toCounts(byReport.get(row.id) ?? {}), sameFileByReport.get(row.id) ?? 0);
