import { Router } from 'express';
import { authRoutes } from '../auth/auth.routes.js';
import { reportRoutes, type ReportRouteDeps } from '../reports/report.routes.js';
import { settingsRoutes } from '../settings/settings.routes.js';
import { adminRoutes } from '../admin/admin.routes.js';
import type { Config } from '../shared/config.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { AuthLimits } from '../auth/throttle.js';

/** Everything the routes of every feature may need; each feature takes the part it uses. */
export interface WebDeps extends ReportRouteDeps {
  config: Readonly<Config>;
  lookups: LookupEngine;
  secretBox: SecretBox;
  /** Sign-in and registration limits (auth/throttle.ts AUTH_LIMITS unless tests shrink them). */
  authLimits?: AuthLimits;
}

/**
 * Every URL of the app, in one place.
 *   GET  /                       landing page, or the report list when signed in
 *   GET  /register, POST         create an account (signs in)
 *   GET  /login, POST            sign in
 *   POST /logout                 sign out
 *   GET  /reports                the user's reports, newest first
 *   GET  /reports/new            upload form
 *   POST /reports                upload (multipart) → 303 /reports/:id
 *   GET  /reports/:id            report page (live while running)
 *   GET  /reports/:id/items/:itemId        one row: every engine and the file's facts (?sort=)
 *   GET  /reports/:id/status.json          progress for the live page
 *   GET  /reports/:id/export.{json,csv}    downloads
 *   POST /reports/:id/delete     delete a report
 *   GET  /settings               the user's own VirusTotal key (hint, limits, usage)
 *   POST /settings/api-key       save the key and its limits → 303 /settings?saved=1
 *   POST /settings/api-key/delete          remove the key → 303 /settings?removed=1
 *   POST /settings/password      change the password, sign out every other session → 303 /settings?password=changed
 *   GET  /admin                  quota, queue, activity, cache, errors and users (admins only; 404 for others)
 *   POST /admin/users/:id/disable, /enable  switch an account off or on → 303 /admin
 *   GET  /healthz                JSON health for probes, no session (mounted in app.ts before the session)
 */
export function routes(deps: WebDeps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    if (res.locals.currentUser) return res.redirect(303, '/reports');
    res.render('home/index');
  });
  router.use(authRoutes(deps));
  router.use(reportRoutes(deps));
  router.use(settingsRoutes(deps));
  router.use(adminRoutes(deps));
  return router;
}
