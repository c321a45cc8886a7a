import { Router, type Response } from 'express';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { parseForm } from '../web/validate.js';
import { setFlash } from '../web/flash.js';
import { refreshSchema } from './refresh.schemas.js';
import { lineOf, reportIdOf } from './report.schemas.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { LookupStatus } from '../lookups/lookup-queue.js';
import * as refresh from './report-refresh.js';
import { toItemView } from './report-view.js';

export interface RefreshRouteDeps {
  config: Pick<Config, 'forcedRefreshesPerDay' | 'verdict'>;
  db: Db;
  cacheTtlMs: number;
  lookups: LookupStatus & Pick<LookupEngine, 'queued'>;
}

const mailEnabled = (res: Response) => res.locals.mailEnabled === true;

/**
 * Refresh (rows older than the cache lifetime), Force refresh (one row) and Re-run (a new report with
 * the same inputs). Each refresh shows its cost on a confirm page (GET) before the POST spends quota.
 */
export function refreshRoutes(deps: RefreshRouteDeps): Router {
  const { db } = deps;
  const router = Router();
  const ttl = refresh.describeDuration(deps.cacheTtlMs);

  router.get('/reports/:id/refresh', requireUser, async (req, res) => {
    const reportId = reportIdOf(req.params.id);
    const plan = await refresh.planRefresh(db, reportId, currentUserId(res), deps.lookups, deps.cacheTtlMs);
    res.render('reports/refresh-confirm', { item: null, plan, ttl, action: `/reports/${reportId}/refresh` });
  });

  router.post('/reports/:id/refresh', requireUser, async (req, res) => {
    const reportId = reportIdOf(req.params.id);
    const form = parseForm(refreshSchema, req.body);
    const notify = mailEnabled(res) && form.notify === 'on';
    const { completed, requeued } = await refresh.refreshReport(db, reportId, currentUserId(res), { cacheTtlMs: deps.cacheTtlMs, notify });
    deps.lookups.queued(completed);
    setFlash(req, requeued === 0 ? 'No row was older than the cache lifetime: nothing to refresh.' : `Refreshing ${requeued.toLocaleString('en')} ${requeued === 1 ? 'row' : 'rows'}; each keeps its previous answer until the new one lands.`);
    res.redirect(303, `/reports/${reportId}`);
  });

  router.get('/reports/:id/items/:line/refresh', requireUser, async (req, res) => {
    const [reportId, line] = [reportIdOf(req.params.id), lineOf(req.params.line)];
    const plan = await refresh.planForceRefresh(db, reportId, line, currentUserId(res), deps.lookups);
    res.render('reports/refresh-confirm', { item: toItemView(plan.item, deps.config.verdict), plan, ttl, action: `/reports/${reportId}/items/${line}/refresh` });
  });

  router.post('/reports/:id/items/:line/refresh', requireUser, async (req, res) => {
    const [reportId, line] = [reportIdOf(req.params.id), lineOf(req.params.line)];
    const userId = currentUserId(res);
    // Counted against the shared quota unless only the user's own key can serve them.
    const cap = deps.lookups.servesOnlyOwnKey(userId) ? null : { perDay: deps.config.forcedRefreshesPerDay };
    const queued = await refresh.forceRefreshItem(db, reportId, line, userId, cap);
    if (queued) deps.lookups.queued(false);
    setFlash(req, queued ? 'Asking VirusTotal again; this page shows the new answer when it lands.' : 'This row cannot be looked up again.');
    res.redirect(303, `/reports/${reportId}/items/${line}`);
  });

  router.post('/reports/:id/rerun', requireUser, async (req, res) => {
    const reportId = reportIdOf(req.params.id);
    const rerun = await refresh.rerunReport({ db, cacheTtlMs: deps.cacheTtlMs }, reportId, currentUserId(res), mailEnabled(res));
    deps.lookups.queued(rerun.completed);
    setFlash(req, 'A new report with the same lines: answers fresh in the cache are already in.');
    res.redirect(303, `/reports/${rerun.reportId}`);
  });

  return router;
}
