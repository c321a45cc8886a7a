import { Router } from 'express';
import { authRoutes } from '../auth/auth.routes.js';
import { reportRoutes, type ReportRouteDeps } from '../reports/report.routes.js';

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
 *   GET  /reports/:id/status.json          progress for the live page
 *   GET  /reports/:id/export.{json,csv}    downloads
 *   POST /reports/:id/delete     delete a report
 */
export function routes(deps: ReportRouteDeps): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    if (res.locals.currentUser) return res.redirect(303, '/reports');
    res.render('home/index');
  });
  router.use(authRoutes(deps.db));
  router.use(reportRoutes(deps));
  return router;
}
