import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { setFlash } from '../web/flash.js';
import { reportIdOf } from '../reports/report.schemas.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { toChangeLine } from './change-view.js';
import type { WatchConfig } from './watch.config.js';
import { describeRecheckInterval } from './watch-text.js';
import { reportChanges, unwatchReport, watchReport, watchState } from './watch.service.js';

export interface WatchRouteDeps {
  db: Db;
  config: { watch: Readonly<WatchConfig> };
  lookups: Pick<LookupEngine, 'queued'>;
}

/**
 * Watch this report (POST), stop watching (POST), and the Changes page. Mounted before the report
 * routes: for the report page it only puts the watch's state in res.locals, for views/reports/watch.ejs.
 */
export function watchRoutes(deps: WatchRouteDeps): Router {
  const { db } = deps;
  const router = Router();
  const every = describeRecheckInterval(deps.config.watch.recheckMs);

  router.get('/reports/:id', async (req: Request, res: Response, next: NextFunction) => {
    if (!res.locals.currentUser) return next();
    try {
      res.locals.watch = { ...(await watchState(db, reportIdOf(req.params.id), currentUserId(res))), every };
    } catch (err) {
      // Not the user's report, or no such id: the report route answers it.
      if (!(err instanceof NotFoundError)) throw err;
    }
    next();
  });

  router.post('/reports/:id/watch', requireUser, async (req, res) => {
    const reportId = reportIdOf(req.params.id);
    await watchReport(db, reportId, currentUserId(res), deps.config.watch.recheckMs);
    setFlash(req, `Watching this report: its rows are looked up again ${every}, and you get an email when something changes.`);
    res.redirect(303, `/reports/${reportId}`);
  });

  router.post('/reports/:id/unwatch', requireUser, async (req, res) => {
    const reportId = reportIdOf(req.params.id);
    const completed = await unwatchReport(db, reportId, currentUserId(res));
    deps.lookups.queued(completed.length > 0);
    setFlash(req, 'Stopped watching this report. Its changes so far stay on its Changes page.');
    res.redirect(303, `/reports/${reportId}`);
  });

  router.get('/reports/:id/changes', requireUser, async (req, res) => {
    const { report, state, checks } = await reportChanges(db, reportIdOf(req.params.id), currentUserId(res));
    res.render('reports/changes', {
      report: { id: report.id, name: report.name },
      watch: { ...state, every },
      checks: checks.map((c) => ({ ...c, changes: c.changes.map(toChangeLine) })),
    });
  });

  return router;
}
