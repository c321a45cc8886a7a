import { Router, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import { currentUserId } from '../auth/require-user.js';
import { safeFileStem } from '../shared/text.js';
import { hashListQuery, itemFilterQuery, reportIdOf, type ItemFilter } from './report.schemas.js';
import * as service from './report.service.js';
import type { DownloadRecord, Downloads } from './downloads.js';
import { streamCsvRows } from './files/csv.js';
import { streamJsonRows } from './files/json.js';
import { countPdfRows, writePdf } from './files/pdf-export.js';
import { streamLines } from './files/text-stream.js';
import { STIX_CONTENT_TYPE, streamStix } from './files/stix.js';

export interface ExportRouteDeps {
  db: Db;
  /** Each user's downloads in flight: a third at once gets 429 (DOWNLOADS_PER_USER). */
  downloads: Downloads;
  /** A PDF of more rows gets a page pointing to the CSV instead (PDF_MAX_ROWS). */
  pdfMaxRows: number;
}

/**
 * The report's files: CSV, JSON, PDF, STIX 2.1 and the hash list, behind requireUser. Each runs in one of the
 * user's download places and stops reading rows as soon as its client leaves.
 * Downloads take the page's filter (not its order or page): the rows the analyst is looking at, in line order.
 */
export function exportRoutes(deps: ExportRouteDeps): Router {
  const { db, downloads } = deps;
  const router = Router();

  router.get('/reports/:id/export.json', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    const filter = itemFilterQuery.parse(req.query);
    const record = await downloads.run(res, currentUserId(res), 'json', async ({ signal, countBatches }) => {
      startDownload(res, 'application/json', `${downloadName(report.name, filter, req)}.json`);
      await streamJsonRows(res, report, countBatches(service.exportRows(db, report.id, filter, signal)), isFiltered(filter) ? filter : null, signal, noticeOf(req));
      res.end();
    });
    logStopped(req, report.id, record);
  });

  router.get('/reports/:id/export.csv', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    const filter = itemFilterQuery.parse(req.query);
    const record = await downloads.run(res, currentUserId(res), 'csv', async ({ signal, countBatches }) => {
      startDownload(res, 'text/csv; charset=utf-8', `${downloadName(report.name, filter, req)}.csv`);
      await streamCsvRows(res, countBatches(service.exportRows(db, report.id, filter, signal)), signal, noticeOf(req));
      res.end();
    });
    logStopped(req, report.id, record);
  });

  router.get('/reports/:id/export.pdf', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    const filter = itemFilterQuery.parse(req.query);
    const count = await countPdfRows(db, report.id, filter, deps.pdfMaxRows);
    if (count === null) {
      const query = new URLSearchParams([...filter.verdict.map((v) => ['verdict', v]), ...(filter.q ? [['q', filter.q]] : [])]).toString();
      res.status(422).render('reports/pdf-too-large', { report, maxRows: deps.pdfMaxRows, filtered: isFiltered(filter), query: query ? `?${query}` : '' });
      return;
    }
    const ownerEmail = (res.locals.currentUser as { email: string }).email;
    const record = await downloads.run(res, currentUserId(res), 'pdf', async ({ signal, count: counted }) => {
      startDownload(res, 'application/pdf', `${downloadName(report.name, filter, req)}.pdf`);
      await writePdf(res, report, ownerEmail, filter, { count, items: counted(service.exportItems(db, report.id, filter, signal)) }, signal, noticeOf(req));
    });
    logStopped(req, report.id, record);
  });

  // STIX 2.1 for MISP, OpenCTI and TAXII feeds: the same rows as the other files, written as they are read.
  router.get('/reports/:id/export.stix.json', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    const filter = itemFilterQuery.parse(req.query);
    const record = await downloads.run(res, currentUserId(res), 'stix', async ({ signal, count }) => {
      startDownload(res, STIX_CONTENT_TYPE, `${downloadName(report.name, filter, req)}.stix.json`);
      await streamStix(res, report, count(service.exportItems(db, report.id, filter, signal)), noticeOf(req), signal);
      res.end();
    });
    logStopped(req, report.id, record);
  });

  // What the copy button puts on the clipboard: every matching row's hash, not only the page shown.
  router.get('/reports/:id/hashes.txt', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    const { kind, ...filter } = hashListQuery.parse(req.query);
    const record = await downloads.run(res, currentUserId(res), 'hashes', async ({ signal, count }) => {
      startDownload(res, 'text/plain; charset=utf-8', `${downloadName(report.name, filter, req)}-${kind}.txt`);
      await streamLines(res, count(service.listMatchingHashes(db, report.id, filter, kind, signal)), signal);
      res.end();
    });
    logStopped(req, report.id, record);
  });

  return router;
}

/** The line to look for when a download did not reach its client's end (and the work stopped there). */
function logStopped(req: Request, reportId: string, record: DownloadRecord): void {
  if (record.outcome !== 'client_left') return;
  req.log.info({ reportId, kind: record.kind, rows: record.rows }, 'download stopped: client left');
}

const isFiltered = (filter: ItemFilter) => filter.verdict.length > 0 || filter.q !== '';

/** Report data is the analyst's alone: never kept by a shared cache or the browser's history. */
function startDownload(res: Response, type: string, fileName: string): void {
  res.set('Cache-Control', 'no-store');
  // attachment() sets a type from the name's extension (.json); the given type must win (STIX's own).
  res.attachment(fileName).type(type);
}

/**
 * The notice every page of this app shows (app.locals.siteNotice: the demo's "every result here is
 * simulated"); files carry it too, since they travel where the page's banner does not.
 */
function noticeOf(req: Request): string | null {
  const notice: unknown = req.app.locals.siteNotice;
  return typeof notice === 'string' && notice !== '' ? notice : null;
}

/** A filtered file says so in its name, so it is not taken for the whole report later; a demo's file, that it is simulated. */
function downloadName(reportName: string, filter: ItemFilter, req: Request): string {
  return `${safeFileStem(reportName, 'report')}${isFiltered(filter) ? '-filtered' : ''}${noticeOf(req) ? '-simulated' : ''}`;
}
