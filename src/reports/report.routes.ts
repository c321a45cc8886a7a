import { Router, type Response } from 'express';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import { ValidationError } from '../shared/errors.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { csrfProtection } from '../web/security.js';
import { formView, parseForm } from '../web/validate.js';
import { estimateReport, type LookupStatus } from '../lookups/lookup-queue.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { importHashList, reportNameOfFile } from './report-import.js';
import { DEFAULT_REPORT_LIST_SIZE, engineSortQuery, lineOf, reportIdOf, reportListQuery, reportPageQuery, uploadSchema } from './report.schemas.js';
import * as service from './report.service.js';
import type { ReportSummary } from './report-summary.js';
import { itemPage } from './report-view.js';
import { ReportRows } from './report-rows.js';
import { exportRoutes, type ExportRouteDeps } from './export.routes.js';
import { filterQueryOf, pagerLinks, pagerQueryOf, queryString, verdictBars, viewHref } from './report-links.js';
import { uploadParser } from './upload.js';
import { readRowsPage } from './report-page.js';
import { setFlash } from '../web/flash.js';
import { previewExtraction } from './extract-preview.js';
import { limitUploads } from './upload-limit.js';
import type { QueryRunner } from '../shared/read-pool.js';
import type { UserRateLimiter } from '../shared/user-rate-limiter.js';

export interface ReportRouteDeps extends ExportRouteDeps {
  /** VERDICT_*: the report pages explain domains' and IPs' verdicts with them. */
  config: Pick<Config, 'verdict'>;
  db: Db;
  cacheTtlMs: number;
  maxUploadBytes: number;
  maxReportRows: number;
  /** UPLOADS_PER_MINUTE, shared with the API's uploads. */
  uploadLimiter: UserRateLimiter;
  /** Where the report page's scanning reads (search, sorted and deep pages, counts) run. */
  reads: QueryRunner;
  lookups: LookupStatus & Pick<LookupEngine, 'queued'>;
}

/** Report data is the analyst's alone: never kept by a shared cache or the browser's history. */
function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

export function reportRoutes(deps: ReportRouteDeps): Router {
  const { db } = deps;
  const router = Router();
  const reportRows = new ReportRows(deps.config.verdict);
  // A completed report has nothing left to estimate.
  const reportEstimate = (report: ReportSummary, userId: number) =>
    report.status === 'completed' ? null : estimateReport(db, deps.lookups, { reportId: report.id, userId });

  // Multipart: multer must read the body before the CSRF token in it can be checked. The upload limit
  // comes first, so a refused upload is never parsed (a cross-site post carries no Lax cookie to count).
  const limit = limitUploads(deps.uploadLimiter, currentUserId);
  router.post('/reports', requireUser, formView('reports/new'), limit, uploadParser(deps.maxUploadBytes), csrfProtection, async (req, res) => {
    const form = parseForm(uploadSchema, req.body);
    const file = req.file && req.file.size > 0 ? req.file : undefined;
    if (!file && form.hashes.trim() === '') {
      // One message, said at the top and at the field: the two used to differ ("Nothing to look up.").
      const message = req.file ? 'The file is empty.' : 'Choose a hash file or paste hashes.';
      throw new ValidationError(message, { file: message });
    }
    const content = file ? file.buffer : Buffer.from(form.hashes, 'utf8');
    const fallbackName = file ? reportNameOfFile(file.originalname) : '';
    if (form.mode === 'extract') {
      const preview = await previewExtraction({ content, name: form.name || fallbackName, notify: wantsEmail(res, form.notify) });
      return res.render('reports/extract-preview', preview);
    }
    // A file name of nothing but control characters leaves no name; the list was still uploaded, not pasted.
    const name = form.name || fallbackName || `${file ? 'Uploaded file' : 'Pasted list'}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const { reportId: id, completed } = await importHashList(
      { db, cacheTtlMs: deps.cacheTtlMs, maxRows: deps.maxReportRows },
      { userId: currentUserId(res), name, notify: wantsEmail(res, form.notify), content },
    );
    deps.lookups.queued(completed);
    res.redirect(303, `/reports/${id}`);
  });

  router.use('/reports', requireUser);
  router.use(exportRoutes(deps));

  router.get('/reports', async (req, res) => {
    const { page, per, ...filter } = reportListQuery.parse(req.query);
    const { reports, total } = await service.listReports(db, currentUserId(res), filter, page, per);
    noStore(res);
    // The default order and size are left out of links, so they stay as short as before either existed.
    const listQuery = (view: { sort: string; per: number }) =>
      queryString({ q: filter.q, status: filter.status, sort: view.sort === 'created' ? undefined : view.sort, per: view.per === DEFAULT_REPORT_LIST_SIZE ? undefined : String(view.per) });
    res.render('reports/index', {
      reports,
      filter,
      total,
      page,
      per,
      pages: pageCount(total, per),
      pagerQuery: listQuery({ sort: filter.sort, per }),
      query: filter,
      // A new order or size starts from the first page.
      viewHref: (change: { sort?: string; per?: number }) => `?${listQuery({ sort: change.sort ?? filter.sort, per: change.per ?? per })}`,
    });
  });

  router.get('/reports/new', (_req, res) => res.render('reports/new'));

  router.get('/reports/:id', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res), deps.reads);
    const query = reportPageQuery.parse(req.query);
    const [rows, estimate] = await Promise.all([readRowsPage(db, report.id, report.counts, query, deps.reads), reportEstimate(report, currentUserId(res))]);
    const { items, matching } = rows;
    const sameFile = await service.sameFileLines(db, report.id, items);
    const now = Date.now();
    const rowsInput = { userId: currentUserId(res), reportId: report.id, rows: items, sameFile, waitingForQuotaUntil: estimate?.waitingForQuotaUntil ?? null };
    const rowParts = await reportRows.html(req.app, rowsInput, now);
    noStore(res);
    const page = await renderPage(res, 'reports/show', {
      report,
      rowsHtml: ROWS_SLOT,
      estimate,
      query,
      matching,
      moreThan: rows.moreThan,
      chart: verdictBars(report.counts, query),
      filterQuery: filterQueryOf(query),
      pagerQuery: pagerQueryOf(query),
      page: rows.page,
      pages: pageCount(matching, query.per),
      ...pagerLinks(pagerQueryOf(query), rows),
      viewHref: (change: Parameters<typeof viewHref>[1]) => viewHref(query, change),
    });
    // The kept rows go in as bytes: only the page around them is encoded on each view.
    const slot = page.indexOf(ROWS_SLOT);
    if (slot < 0) throw new Error('reports/show printed no rows slot');
    res.type('html').send(Buffer.concat([Buffer.from(page.slice(0, slot)), ...rowParts, Buffer.from(page.slice(slot + ROWS_SLOT.length))]));
  });

  // A row by its line in the report: numbers in a user's URLs say nothing about anyone else's uploads.
  router.get('/reports/:id/items/:line', async (req, res) => {
    const { sort } = engineSortQuery.parse(req.query);
    const found = await service.getItemForUser(db, reportIdOf(req.params.id), lineOf(req.params.line), currentUserId(res));
    res.render('reports/item', { ...itemPage(found, sort, deps.config.verdict), sort });
  });

  router.get('/reports/:id/status.json', async (req, res) => {
    const report = await service.getReportForUser(db, reportIdOf(req.params.id), currentUserId(res), undefined, { sameFile: false });
    const estimate = await reportEstimate(report, currentUserId(res));
    const stall = estimate?.stall;
    noStore(res);
    res.json({
      id: report.id,
      status: report.status,
      progress: report.progress,
      counts: report.counts,
      estimatedFinish: estimate?.finishAt?.toISOString() ?? null,
      paused: estimate?.pause?.message ?? null,
      waitingForQuotaUntil: estimate?.waitingForQuotaUntil?.toISOString() ?? null,
      // Why nothing is on its way right now, and until when; the page counts the wait down.
      stall: stall ? { reason: stall.reason, message: stall.message, until: stall.until?.toISOString() ?? null } : null,
      // What every page's banner says now: the live page shows a new one without a reload.
      banner: deps.lookups.bannerFor(currentUserId(res))?.message ?? null,
    });
  });

  router.post('/reports/:id/delete', async (req, res) => {
    await service.deleteReportForUser(db, reportIdOf(req.params.id), currentUserId(res));
    // Not by name: the notice waits in the session row, and a deleted report's name must not stay on disk.
    setFlash(req, 'The report was deleted, with all its rows.');
    res.redirect(303, '/reports');
  });

  return router;
}

/** The box is only offered when email is configured; a crafted request cannot ask for more. */
function wantsEmail(res: Response, field: string | undefined): boolean {
  return res.locals.mailEnabled === true && (field === 'on' || field === '1');
}

const pageCount = (rows: number, perPage: number) => Math.max(1, Math.ceil(rows / perPage));

/** Where the report page's rows go (an HTML comment: no escaped text can make one). */
const ROWS_SLOT = '<!--report rows-->';

/** A view rendered to a string, errors to the one error path. */
function renderPage(res: Response, view: string, locals: object): Promise<string> {
  return new Promise((resolve, reject) => res.render(view, locals, (err: Error | null, html: string) => (err ? reject(err) : resolve(html))));
}
