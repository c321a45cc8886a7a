import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import type { Logger } from '../shared/logger.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { detectValue } from '../reports/list-parser.js';
import { importHashList } from '../reports/report-import.js';
import { reportIdOf } from '../reports/report.schemas.js';
import * as reports from '../reports/report.service.js';
import { ApiError, apiErrorHandler, apiNotFound } from './api-errors.js';
import { apiRateLimit } from './api-rate-limit.js';
import { UserRateLimiter } from '../shared/user-rate-limiter.js';
import type { QueryRunner } from '../shared/read-pool.js';
import { limitUploads } from '../reports/upload-limit.js';
import { TooManyRowsError } from '../reports/report-import.js';
import { createReportBody, lookupQuery, MAX_REPORT_VALUES, parseApi, refreshBody, reportItemsQuery, reportListQuery, textReportQuery } from './api.schemas.js';
import { apiCaller, bearerAuth } from './bearer-auth.js';
import { lookupsReportId, lookupValue, refreshValue, type DetectedValue, type LookupResult } from './lookup-request.service.js';
import { openApiDocument } from './openapi.js';
import { apiReportPath, itemsJson, pageOf, reportJson } from './report-json.js';
import { watchApiRoutes } from '../watch/watch-api.routes.js';

export interface ApiRouteDeps {
  config: Pick<Config, 'appUrl' | 'maxUploadBytes' | 'maxReportRows' | 'cacheTtlMs' | 'apiRequestsPerMinute' | 'smtpUrl' | 'forcedRefreshesPerDay' | 'watch'>;
  db: Db;
  lookups: Pick<LookupEngine, 'queued' | 'servesOnlyOwnKey'>;
  logger: Logger;
  /** Where a report's scanning reads run (GET /v1/reports/:id), off the main thread. */
  reads: QueryRunner;
  /** UPLOADS_PER_MINUTE, shared with the upload form. */
  uploadLimiter: UserRateLimiter;
}

/** JSON bodies are parsed whole into memory: larger lists go as text/plain, like an upload. */
const MAX_JSON_REPORT_BYTES = 16 * 1024 * 1024;
const MAX_SMALL_JSON_BYTES = 16 * 1024;
/** A hint, not a promise: most lookups take seconds; a client may poll sooner or later. */
const POLL_AFTER_SECONDS = 5;

/**
 * The token-authenticated JSON API, mounted at /api before the session, CSRF and HTML pages:
 *   GET  /api/v1/openapi.json     the OpenAPI 3.1 document (no token)
 *   GET  /api/v1/lookup           one value: 200 the answer from the cache, or 202 queued (poll the same URL)
 *   POST /api/v1/refresh          one value asked again, even inside the cache lifetime → 202
 *   GET  /api/v1/reports          the caller's reports, paginated
 *   POST /api/v1/reports          a new report from JSON values or a text/plain list → 201
 *   GET  /api/v1/reports/:id      one report with a page of its rows
 *   …/reports/:id/watch and /changes: watched reports (src/watch/watch-api.routes.ts)
 * Anything else under /api is a JSON 404, and every error is JSON.
 */
export function apiRoutes(deps: ApiRouteDeps): Router {
  const { db, config } = deps;
  const router = Router();
  const limiter = new UserRateLimiter(db, 'api', config.apiRequestsPerMinute);
  const guard = [bearerAuth(db), apiRateLimit(limiter)];
  const mailEnabled = Boolean(config.smtpUrl);

  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  router.get('/v1/lookup', ...guard, async (req, res) => {
    const { userId } = apiCaller(res);
    const query = parseApi(lookupQuery, req.query, 'invalid_query');
    const wanted = detected(query.value, query.type);
    const outcome = await lookupValue(db, userId, wanted, config.cacheTtlMs);
    if (outcome.kind === 'answer') {
      res.json(lookupJson(outcome.result));
      return;
    }
    deps.lookups.queued(false);
    queued(res, wanted, outcome.reportId);
  });

  router.post('/v1/refresh', ...guard, acceptBody({ json: MAX_SMALL_JSON_BYTES }), async (req, res) => {
    const body = parseApi(refreshBody, req.body, 'invalid_body');
    const wanted = detected(body.value, body.type);
    const { userId } = apiCaller(res);
    // Counted against the shared quota unless only the user's own key can serve them.
    const cap = deps.lookups.servesOnlyOwnKey(userId) ? null : { perDay: config.forcedRefreshesPerDay };
    const reportId = await refreshValue(db, userId, wanted, cap);
    deps.lookups.queued(false);
    queued(res, wanted, reportId);
  });

  router.get('/v1/reports', ...guard, async (req, res) => {
    const { userId } = apiCaller(res);
    const query = parseApi(reportListQuery, req.query, 'invalid_query');
    const filter = { q: query.q ?? '', status: query.status };
    const [{ reports: list, total }, lookupsId] = await Promise.all([
      reports.listReports(db, userId, filter, query.page, query.per_page),
      lookupsReportId(db, userId),
    ]);
    res.json({
      reports: list.map((r) => reportJson(r, r.id === lookupsId ? 'lookups' : 'list', config.appUrl)),
      pagination: pageOf(query.page, query.per_page, total),
    });
  });

  const jsonLimit = Math.min(config.maxUploadBytes, MAX_JSON_REPORT_BYTES);
  const limitApiUploads = limitUploads(deps.uploadLimiter, (res) => apiCaller(res).userId);
  router.post('/v1/reports', ...guard, limitApiUploads, acceptBody({ json: jsonLimit, text: config.maxUploadBytes }), async (req, res) => {
    const { userId } = apiCaller(res);
    const list = req.is('application/json') ? fromJson(req.body) : fromText(req);
    const name = list.name || `API upload, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    const { reportId, completed } = await importHashList(
      { db, cacheTtlMs: config.cacheTtlMs, maxRows: config.maxReportRows },
      { userId, name, notify: mailEnabled && list.notify, content: list.content },
    ).catch((err: unknown) => {
      if (err instanceof TooManyRowsError) throw new ApiError(413, 'too_large', err.message);
      throw err;
    });
    deps.lookups.queued(completed);
    const report = await reports.getReportForUser(db, reportId, userId);
    res.status(201).location(apiReportPath(reportId)).json(reportJson(report, 'list', config.appUrl));
  });

  router.get('/v1/reports/:id', ...guard, async (req, res) => {
    const { userId } = apiCaller(res);
    const id = reportIdOf(req.params.id);
    const query = parseApi(reportItemsQuery, req.query, 'invalid_query');
    const report = await reports.getReportForUser(db, id, userId, deps.reads);
    const [{ items, matching }, lookupsId] = await Promise.all([
      reports.listReportItems(db, report.id, { verdict: query.verdict, q: '', sort: 'line', page: query.page }, query.per_page, deps.reads),
      lookupsReportId(db, userId),
    ]);
    res.json({
      ...reportJson(report, report.id === lookupsId ? 'lookups' : 'list', config.appUrl),
      items: itemsJson(items),
      pagination: pageOf(query.page, query.per_page, matching),
    });
  });

  router.use(watchApiRoutes({ db, config, lookups: deps.lookups }, guard));
  router.use(apiNotFound);
  router.use(apiErrorHandler(deps.logger));
  return router;
}

/** The value, normalised and typed, or 400 invalid_value. */
function detected(value: string, type: DetectedValue['type'] | undefined): DetectedValue & { input: string } {
  const found = detectValue(value, type);
  if (!found) {
    const what = type ? `a valid ${type === 'ip' ? 'IP address' : type === 'domain' ? 'domain' : `${type.toUpperCase().replace('SHA', 'SHA-')} hash`}` : 'a hash (MD5, SHA-1, SHA-256), a domain or an IP address';
    throw new ApiError(400, 'invalid_value', `The value is not ${what}.`);
  }
  return { ...found, input: value.trim() };
}

function queued(res: Response, wanted: DetectedValue, reportId: string): void {
  const poll = `/api/v1/lookup?${new URLSearchParams({ value: wanted.value, type: wanted.type })}`;
  res.status(202).set('Retry-After', String(POLL_AFTER_SECONDS)).location(poll);
  res.json({ status: 'queued', value: wanted.value, type: wanted.type, poll, report: apiReportPath(reportId) });
}

function lookupJson(result: LookupResult) {
  const { reportId, ...rest } = result;
  return { ...rest, report: reportId === null ? null : apiReportPath(reportId) };
}

interface ListInput {
  name: string;
  notify: boolean;
  content: Buffer;
}

function fromJson(body: unknown): ListInput {
  // Counted before validation: a huge list is refused for its size, not value by value.
  const values = (body as { values?: unknown } | null)?.values;
  if (Array.isArray(values) && values.length > MAX_REPORT_VALUES) {
    throw new ApiError(413, 'too_large', `Send at most ${MAX_REPORT_VALUES} values in one report (this body has ${values.length}); larger lists go as text/plain.`);
  }
  const parsed = parseApi(createReportBody, body, 'invalid_body');
  return { name: parsed.name ?? '', notify: parsed.notify ?? false, content: Buffer.from(parsed.values.join('\n'), 'utf8') };
}

function fromText(req: Request): ListInput {
  const query = parseApi(textReportQuery, req.query, 'invalid_query');
  const content = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  return { name: query.name ?? '', notify: query.notify ?? false, content };
}

/** The body parsers a route takes, each with its byte limit; any other content type is 415. */
function acceptBody(limits: { json: number; text?: number }) {
  const json = express.json({ limit: limits.json, type: 'application/json' });
  const text = limits.text === undefined ? null : express.raw({ limit: limits.text, type: 'text/plain' });
  return (req: Request, res: Response, next: NextFunction): void => {
    // body-parser would decode UTF-7 or UTF-16 for us; values must reach the parser as the client meant them, in UTF-8.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw new ApiError(415, 'unsupported_media_type', 'Send the body in UTF-8 (charset=utf-8, or no charset).');
    if (req.is('application/json')) return json(req, res, next);
    if (text && req.is('text/plain')) return text(req, res, next);
    throw new ApiError(415, 'unsupported_media_type', text ? 'Send the body as application/json or text/plain.' : 'Send the body as application/json.');
  };
}
