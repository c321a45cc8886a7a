import { Router, type RequestHandler } from 'express';
import type { Db } from '../shared/database.js';
import { reportIdOf } from '../reports/report.schemas.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { apiCaller } from '../api/bearer-auth.js';
import type { WatchConfig } from './watch.config.js';
import type { WatchChangeRow } from './watch.table.js';
import { reportChanges, unwatchReport, watchReport, watchState, type WatchState } from './watch.service.js';

export interface WatchApiDeps {
  db: Db;
  config: { appUrl: string; watch: Readonly<WatchConfig> };
  lookups: Pick<LookupEngine, 'queued'>;
}

/**
 * The API's side of watched reports, mounted inside the API router (src/api/api.routes.ts) behind its token and rate limit:
 *   POST   /v1/reports/:id/watch    start watching → 200 the watch
 *   DELETE /v1/reports/:id/watch    stop watching → 200 the watch
 *   GET    /v1/reports/:id/changes  the re-checks that changed rows, before and after
 */
export function watchApiRoutes(deps: WatchApiDeps, guard: RequestHandler[]): Router {
  const { db, config } = deps;
  const router = Router();

  router.post('/v1/reports/:id/watch', ...guard, async (req, res) => {
    const id = reportIdOf(req.params.id);
    res.json(watchJson(id, await watchReport(db, id, apiCaller(res).userId, config.watch.recheckMs), config.appUrl));
  });

  router.delete('/v1/reports/:id/watch', ...guard, async (req, res) => {
    const id = reportIdOf(req.params.id);
    const { userId } = apiCaller(res);
    const completed = await unwatchReport(db, id, userId);
    deps.lookups.queued(completed.length > 0);
    res.json(watchJson(id, await watchState(db, id, userId), config.appUrl));
  });

  router.get('/v1/reports/:id/changes', ...guard, async (req, res) => {
    const { report, state, checks } = await reportChanges(db, reportIdOf(req.params.id), apiCaller(res).userId);
    res.json({
      watch: watchJson(report.id, state, config.appUrl),
      checks: checks.map((c) => ({ startedAt: iso(c.startedAt), finishedAt: iso(c.finishedAt), email: c.emailStatus, changes: c.changes.map(changeJson) })),
    });
  });

  return router;
}

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

function watchJson(reportId: string, state: WatchState, appUrl: string) {
  return {
    watching: state.watching,
    checking: state.checking,
    nextCheckAt: iso(state.nextCheckAt),
    lastCheckAt: iso(state.lastCheckAt),
    changes: state.changes,
    links: { changes: `/api/v1/reports/${reportId}/changes`, web: `${appUrl}/reports/${reportId}/changes` },
  };
}

function changeJson(row: WatchChangeRow) {
  const num = (v: number | null) => (v == null ? null : Number(v));
  return {
    line: Number(row.line),
    input: row.input,
    kinds: row.kinds.split(',').filter(Boolean),
    before: { verdict: row.before_verdict, malicious: num(row.before_malicious), fortinet: row.before_fortinet },
    after: { verdict: row.after_verdict, malicious: num(row.after_malicious), fortinet: row.after_fortinet },
  };
}
