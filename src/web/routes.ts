import { Router } from 'express';
import { authRoutes } from '../auth/auth.routes.js';
import { reportRoutes, type ReportRouteDeps } from '../reports/report.routes.js';
import { refreshRoutes } from '../reports/refresh.routes.js';
import { ACCOUNT_DELETED_NOTICE, settingsRoutes } from '../settings/settings.routes.js';
import { adminRoutes } from '../admin/admin.routes.js';
import { searchRoutes } from '../search/search.routes.js';
import { watchRoutes } from '../watch/watch.routes.js';
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
 * Mounts every feature's router: the app's pages and forms. The table of every URL (these, plus
 * /healthz and /api/v1 mounted in app.ts) is docs/routes.md; tests/integration/routes-doc.test.ts
 * checks it against the router.
 */
export function routes(deps: WebDeps): Router {
  const router = Router();
  router.get('/', (req, res) => {
    if (res.locals.currentUser) return res.redirect(303, '/reports');
    res.render('home/index', { notice: req.query.account === 'deleted' ? ACCOUNT_DELETED_NOTICE : null });
  });
  router.use(authRoutes(deps));
  // Before the report routes: it adds the watch's state to the report page.
  router.use(watchRoutes(deps));
  router.use(reportRoutes(deps));
  router.use(refreshRoutes(deps));
  router.use(searchRoutes(deps));
  router.use(settingsRoutes(deps));
  router.use(adminRoutes(deps));
  return router;
}
