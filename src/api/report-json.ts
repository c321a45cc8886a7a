import { toExportItem, type ExportItem } from '../reports/files/export-row.js';
import type { Counts, ReportStatus, ReportSummary } from '../reports/report-summary.js';
import type { ReportItemRow } from '../reports/report.table.js';

// The JSON the API gives for reports: the summary the pages show, and rows in the exports' shape.

export interface ReportJson {
  id: string;
  name: string;
  /** list: an upload (browser or API); lookups: the user's "API lookups" report. */
  kind: 'list' | 'lookups';
  status: ReportStatus;
  createdAt: string;
  completedAt: string | null;
  /** Share of rows with an answer, 0..1. */
  progress: number;
  counts: Counts;
  links: { self: string; web: string };
}

export interface Page {
  page: number;
  perPage: number;
  /** Rows (or reports) in all, on every page. */
  total: number;
  pages: number;
}

export const apiReportPath = (id: string) => `/api/v1/reports/${id}`;

export function reportJson(report: ReportSummary, kind: ReportJson['kind'], appUrl: string): ReportJson {
  return {
    id: report.id,
    name: report.name,
    kind,
    status: report.status,
    createdAt: report.createdAt.toISOString(),
    completedAt: report.completedAt?.toISOString() ?? null,
    progress: report.progress,
    counts: report.counts,
    links: { self: apiReportPath(report.id), web: `${appUrl}/reports/${report.id}` },
  };
}

export function itemsJson(rows: ReportItemRow[]): ExportItem[] {
  return rows.map(toExportItem);
}

export function pageOf(page: number, perPage: number, total: number): Page {
  return { page, perPage, total, pages: Math.max(1, Math.ceil(total / perPage)) };
}
