import { Router } from 'express';
import { authRoutes } from '../auth/auth.routes.js';
import { reportRoutes, type ReportRouteDeps } from '../reports/report.routes.js';
import { refreshRoutes } from '../reports/refresh.routes.js';
import { ACCOUNT_DELETED_NOTICE, settingsRoutes } from '../settings/settings.routes.js';
import { adminRoutes } from '../admin/admin.routes.js';
import type { Config } from '../shared/config.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { AuthLimits } from '../auth/throttle.js';
import type { Mailer } from '../mail/mailer.js';
import type { AttachmentFormat } from '../mail/report-attachment.js';

/** Everything the routes of every feature may need; each feature takes the part it uses. */
export interface WebDeps extends ReportRouteDeps {
  config: Readonly<Config>;
  lookups: LookupEngine;
  secretBox: SecretBox;
  /** Sign-in and registration limits (auth/throttle.ts AUTH_LIMITS unless tests shrink them). */
  authLimits?: AuthLimits;
  /** Null when SMTP_URL is unset. */
  mailer: Mailer | null;
  /** The files the completion email can attach (CSV; PDF once a renderer is plugged in). */
  attachmentFormats: readonly AttachmentFormat[];
}

/**
 * Every URL of the app, in one place.
 *   GET  /                       landing page (?account=deleted says so), or the report list when signed in
 *   GET  /register, POST         create an account (signs in)
 *   GET  /login, POST            sign in
 *   POST /logout                 sign out
 *   GET  /reports                the user's reports, newest first (?q= name, ?status=queued|running|completed)
 *   GET  /reports/new            upload form
 *   POST /reports                upload (multipart) → 303 /reports/:id
 *   GET  /reports/:id            report page, live while running (?verdict=…&verdict=…, ?q= hash prefix or name, ?sort=line|detections|last_analysis)
 *   GET  /reports/:id/items/:itemId        one row: every engine and the file's facts (?sort=)
 *   GET  /reports/:id/status.json          progress for the live page
 *   GET  /reports/:id/export.{json,csv}    downloads of the rows matching ?verdict= and ?q=, in line order
 *   GET  /reports/:id/hashes.txt           one hash a line (?kind=sha256|sha1|md5) of the rows matching ?verdict= and ?q=
 *   POST /reports/:id/delete     delete a report
 *   GET  /reports/:id/refresh, POST        refresh rows older than the cache lifetime (GET: what it costs) → 303 /reports/:id
 *   GET  /reports/:id/items/:itemId/refresh, POST   ask VirusTotal again for one row (GET: what it costs) → 303 the row
 *   POST /reports/:id/rerun      the same inputs as a new report → 303 /reports/:newId
 *   GET  /settings               own VirusTotal key (hint, limits, usage), API tokens, password, email preferences, account deletion
 *   POST /settings/api-key       save the key and its limits → 303 /settings?saved=1
 *   POST /settings/api-key/delete          remove the key → 303 /settings?removed=1
 *   POST /settings/password      change the password, sign out every other session → 303 /settings?password=changed
 *   POST /settings/email         email box default and attachment (none, CSV, PDF) → 303 /settings?email=saved
 *   POST /settings/test-email    send a test email to oneself (one a minute) → 303 /settings?test=sent
 *   POST /settings/api-tokens    create a named API token → 201 the settings page showing it, once
 *   POST /settings/api-tokens/:id/revoke   revoke one of one's tokens → 303 /settings?token=revoked
 *   POST /settings/account/delete          delete the account, its reports and key, sign out everywhere → 303 /?account=deleted
 *   GET  /admin                  quota, queue, activity, cache, errors and users (admins only; 404 for others)
 *   POST /admin/users/:id/disable, /enable  switch an account off or on → 303 /admin
 *   GET  /healthz                JSON health for probes, no session (mounted in app.ts before the session)
 *   /api/v1/…                    the JSON API, bearer tokens only, no session or CSRF (src/api/api.routes.ts, mounted in app.ts before the session):
 *     GET  /api/v1/openapi.json  its OpenAPI 3.1 document (no token)
 *     GET  /api/v1/lookup        one hash, domain or IP (?value=, ?type=): 200 the cached answer, or 202 queued (poll the same URL)
 *     POST /api/v1/refresh       ask VirusTotal about one value again ({ value, type? }) → 202
 *     GET  /api/v1/reports       the token owner's reports (?page=, ?per_page=, ?status=, ?q=)
 *     POST /api/v1/reports       a new report from { name?, values, notify? } or a text/plain list → 201
 *     GET  /api/v1/reports/:id   one report with a page of its rows (?page=, ?per_page=, ?verdict=)
 */
export function routes(deps: WebDeps): Router {
  const router = Router();
  router.get('/', (req, res) => {
    if (res.locals.currentUser) return res.redirect(303, '/reports');
    res.render('home/index', { notice: req.query.account === 'deleted' ? ACCOUNT_DELETED_NOTICE : null });
  });
  router.use(authRoutes(deps));
  router.use(reportRoutes(deps));
  router.use(refreshRoutes(deps));
  router.use(settingsRoutes(deps));
  router.use(adminRoutes(deps));
  return router;
}
