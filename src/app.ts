import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Config } from './shared/config.js';
import type { Db } from './shared/database.js';
import type { QueryRunner } from './shared/read-pool.js';
import { UserRateLimiter } from './shared/user-rate-limiter.js';
import type { Logger } from './shared/logger.js';
import type { LookupEngine } from './lookups/lookup-engine.js';
import type { SecretBox } from './shared/secret-box.js';
import type { AuthLimits } from './auth/throttle.js';
import type { Mailer } from './mail/mailer.js';
import type { AttachmentFormat } from './mail/report-attachment.js';
import { createSessionMiddleware } from './web/session.js';
import { formProtection, securityHeaders } from './web/security.js';
import { anonymousCsrf } from './web/anonymous-csrf.js';
import { locals } from './web/locals.js';
import { routes } from './web/routes.js';
import { healthRoutes } from './web/health.js';
import { apiRoutes } from './api/api.routes.js';
import { errorHandler, notFound } from './web/error-handler.js';
import { requestLogOptions } from './web/request-log.js';
import type { Downloads } from './reports/downloads.js';
import { formatAge, formatDate, formatRelative } from './web/format.js';

export interface AppDeps {
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  sessionSecret: string;
  lookups: LookupEngine;
  /** Seals users' own API keys. */
  secretBox: SecretBox;
  /** The SMTP mailer (settings' test email); null when SMTP_URL is unset. */
  mailer: Mailer | null;
  /** The files the completion email can attach; Settings offers only these. */
  attachmentFormats: readonly AttachmentFormat[];
  /** Each user's downloads in flight (DOWNLOADS_PER_USER). */
  downloads: Downloads;
  siteNotice?: string | null;
  /** Sign-in and registration limits; default auth/throttle.ts AUTH_LIMITS. */
  authLimits?: AuthLimits;
  /** Runs the reads that scan a report (the report page's search, sorted and deep pages) off the main thread. */
  reads: QueryRunner;
}

const viewsDir = fileURLToPath(new URL('../views', import.meta.url));
const publicDir = fileURLToPath(new URL('../public', import.meta.url));

/** Builds the Express app without listening: main.ts and the tests both start it. */
export function createApp(deps: AppDeps) {
  const { config } = deps;
  // One count for the upload form and the API: UPLOADS_PER_MINUTE is per user, however they upload.
  const uploadLimiter = new UserRateLimiter(deps.db, 'uploads', config.uploadsPerMinute);
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', viewsDir);
  // Compiled once, not on every render (Express caches only when NODE_ENV=production, which nothing
  // here sets): compiling the report page and its partials was a quarter of a page view's CPU.
  app.set('view cache', true);
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  app.locals.formatDate = formatDate;
  app.locals.formatRelative = formatRelative;
  app.locals.formatAge = formatAge;
  // Defaults for pages rendered before the locals middleware ran (an early error, say).
  Object.assign(app.locals, { currentUser: null, csrfToken: '', banner: null, mailEnabled: false, errors: {}, values: {}, formError: null, path: '' });
  app.locals.siteNotice = deps.siteNotice ?? null;

  // Static files and health probes (every few seconds from a load balancer) would drown the log.
  const quiet = (url: string | undefined) => url === '/healthz' || (url?.startsWith('/static/') ?? false);
  app.use(pinoHttp({ logger: deps.logger, genReqId: requestId, autoLogging: { ignore: (req) => quiet(req.url) }, ...requestLogOptions }));
  app.use(securityHeaders({ upgradeInsecure: config.secureCookies }));
  app.use('/static', express.static(publicDir, { maxAge: '1h' }));
  // Every page below may carry someone's reports, keys or account: no browser or proxy keeps a copy.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  // Before the session: a probe every few seconds must not create sessions or get cookies.
  app.use(healthRoutes({ db: deps.db, lookups: deps.lookups, adminEmails: config.adminEmails }));
  // Bearer tokens only: no session (a browser's cookie grants nothing), so no CSRF; JSON errors only.
  app.use('/api', apiRoutes({ config, db: deps.db, lookups: deps.lookups, logger: deps.logger, reads: deps.reads, uploadLimiter }));
  const session = createSessionMiddleware({
    db: deps.db,
    secret: deps.sessionSecret,
    secure: config.secureCookies,
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
  });
  app.use(session.middleware);
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 }));
  const anonymousForms = anonymousCsrf({ secret: deps.sessionSecret, secure: config.secureCookies });
  app.use(locals({ db: deps.db, lookups: deps.lookups, mailEnabled: Boolean(config.smtpUrl), adminEmails: config.adminEmails, anonymousCsrf: anonymousForms }));
  app.use(csrfUnlessUpload(formProtection(anonymousForms)));
  app.use(
    routes({
      config,
      secretBox: deps.secretBox,
      authLimits: deps.authLimits,
      db: deps.db,
      cacheTtlMs: config.cacheTtlMs,
      maxUploadBytes: config.maxUploadBytes,
      maxReportRows: config.maxReportRows,
      uploadLimiter,
      reads: deps.reads,
      lookups: deps.lookups,
      mailer: deps.mailer,
      attachmentFormats: deps.attachmentFormats,
      downloads: deps.downloads,
      pdfMaxRows: config.pdfMaxRows,
    }),
  );
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return { app, sessionStore: session.store };
}

/**
 * Every request gets an id, sent back as X-Request-Id and shown on the error page, so a user's
 * report of a failure leads to its log line. A proxy's id is kept when the request came through a
 * proxy TRUST_PROXY trusts and the id looks like one (never arbitrary text: it goes into logs); a
 * client's own id is not, or anyone could plant ids that point at other people's log lines.
 */
function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && fromTrustedProxy(req) && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** The peer is a proxy the app trusts (Express's compiled "trust proxy" setting). */
function fromTrustedProxy(req: IncomingMessage): boolean {
  const trust = (req as Partial<Request>).app?.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  return trust?.(req.socket.remoteAddress ?? '', 0) ?? false;
}

/**
 * CSRF on every state-changing request. The one multipart route (the upload) checks the token itself,
 * after multer has read the body; a multipart request anywhere else fails the check here.
 */
function csrfUnlessUpload(csrfProtection: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method === 'POST' && req.path === '/reports' && req.is('multipart/form-data')) return next();
    return csrfProtection(req, res, next);
  };
}
