import { Router, type Response } from 'express';
import type { Db } from '../shared/database.js';
import type SQLite from 'better-sqlite3';
import { NotFoundError, ValidationError } from '../shared/errors.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { csrfProtection } from '../web/security.js';
import { formView, parseForm } from '../web/validate.js';
import { importHashList } from './report-import.js';
import { iterateItems } from './report.repository.js';
import { engineSortQuery, itemIdParam, pageQuery, reportIdParam, uploadSchema } from './report.schemas.js';
import * as service from './report.service.js';
import { streamCsv, streamJson } from './report-export.js';
import { uploadParser } from './upload.js';

export interface ReportRouteDeps {
  db: Db;
  sqlite: SQLite.Database;
  cacheTtlMs: number;
  maxUploadBytes: number;
  lookups: service.LookupStatus & { wake(): void };
  /** Called when an upload completed entirely from the cache (its email may be due). */
  onCompleted: () => void;
}

const REPORTS_PER_PAGE = 20;
const ITEMS_PER_PAGE = 100;

function reportId(value: unknown): string {
  const parsed = reportIdParam.safeParse(value);
  if (!parsed.success) throw new NotFoundError('Report not found.');
  return parsed.data;
}

/** Report data is the analyst's alone: never kept by a shared cache or the browser's history. */
function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

export function reportRoutes(deps: ReportRouteDeps): Router {
  const { db } = deps;
  const router = Router();

  // Multipart: multer must read the body before the CSRF token in it can be checked.
  router.post('/reports', requireUser, formView('reports/new'), uploadParser(deps.maxUploadBytes), csrfProtection, async (req, res) => {
    const form = parseForm(uploadSchema, req.body);
    const file = req.file && req.file.size > 0 ? req.file : undefined;
    if (!file && form.hashes.trim() === '') {
      throw new ValidationError(req.file ? 'The file is empty.' : 'Choose a hash file or paste hashes.', { file: 'Nothing to look up.' });
    }
    const content = file ? file.buffer : Buffer.from(form.hashes, 'utf8');
    const fallbackName = file ? file.originalname.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 200) : '';
    // A file name of nothing but control characters leaves no name; the list was still uploaded, not pasted.
    const name = form.name || fallbackName || `${file ? 'Uploaded file' : 'Pasted list'}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const { reportId: id, completed } = await importHashList(
      { db, sqlite: deps.sqlite, cacheTtlMs: deps.cacheTtlMs },
      { userId: currentUserId(res), name, notify: wantsEmail(res, form.notify), content },
    );
    if (completed) deps.onCompleted();
    else deps.lookups.wake();
    res.redirect(303, `/reports/${id}`);
  });

  router.use('/reports', requireUser);

  router.get('/reports', async (req, res) => {
    const { page } = pageQuery.parse(req.query);
    const { reports, total } = await service.listReports(db, currentUserId(res), page, REPORTS_PER_PAGE);
    noStore(res);
    res.render('reports/index', { reports, page, pages: Math.max(1, Math.ceil(total / REPORTS_PER_PAGE)) });
  });

  router.get('/reports/new', (_req, res) => res.render('reports/new'));

  router.get('/reports/:id', async (req, res) => {
    const report = await service.getReportForUser(db, reportId(req.params.id), currentUserId(res));
    const { page } = pageQuery.parse(req.query);
    const [items, estimate] = await Promise.all([
      service.listReportItems(db, report.id, page, ITEMS_PER_PAGE),
      service.estimateReport(db, report, currentUserId(res), deps.lookups),
    ]);
    noStore(res);
    res.render('reports/show', { report, items, estimate, page, pages: Math.max(1, Math.ceil(report.counts.total / ITEMS_PER_PAGE)) });
  });

  router.get('/reports/:id/items/:itemId', async (req, res) => {
    const parsed = itemIdParam.safeParse(req.params.itemId);
    if (!parsed.success) throw new NotFoundError('Row not found.');
    const { sort } = engineSortQuery.parse(req.query);
    const view = await service.getItemForUser(db, reportId(req.params.id), parsed.data, currentUserId(res), sort);
    res.render('reports/item', { ...view, sort });
  });

  router.get('/reports/:id/status.json', async (req, res) => {
    const report = await service.getReportForUser(db, reportId(req.params.id), currentUserId(res));
    const estimate = await service.estimateReport(db, report, currentUserId(res), deps.lookups);
    noStore(res);
    res.json({
      id: report.id,
      status: report.status,
      progress: report.progress,
      counts: report.counts,
      estimatedFinish: estimate?.finishAt?.toISOString() ?? null,
      paused: estimate?.pause?.message ?? null,
      waitingForQuotaUntil: estimate?.waitingForQuotaUntil?.toISOString() ?? null,
    });
  });

  router.get('/reports/:id/export.json', async (req, res) => {
    const report = await service.getReportForUser(db, reportId(req.params.id), currentUserId(res));
    noStore(res);
    res.type('application/json').attachment(`${safeFileName(report.name)}.json`);
    await streamJson(res, report, iterateItems(db, report.id));
    res.end();
  });

  router.get('/reports/:id/export.csv', async (req, res) => {
    const report = await service.getReportForUser(db, reportId(req.params.id), currentUserId(res));
    noStore(res);
    res.type('text/csv; charset=utf-8').attachment(`${safeFileName(report.name)}.csv`);
    await streamCsv(res, iterateItems(db, report.id));
    res.end();
  });

  router.post('/reports/:id/delete', async (req, res) => {
    await service.deleteReportForUser(db, reportId(req.params.id), currentUserId(res));
    res.redirect(303, '/reports');
  });

  return router;
}

/** The box is only offered when email is configured; a crafted request cannot ask for more. */
function wantsEmail(res: Response, field: string | undefined): boolean {
  return res.locals.mailEnabled === true && (field === 'on' || field === '1');
}

function safeFileName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'report';
}
