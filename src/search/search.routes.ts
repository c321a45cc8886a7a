import { Router } from 'express';
import type { Db } from '../shared/database.js';
import type { Config } from '../shared/config.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { searchQuery } from './search.schemas.js';
import { SEARCH_LIMIT, searchUserReports } from './search.service.js';

/** GET /search?q=: a value across all of the signed-in analyst's reports (the header's search box). */
export function searchRoutes(deps: { db: Db; config: Pick<Config, 'verdict'> }): Router {
  const router = Router();
  router.get('/search', requireUser, async (req, res) => {
    const { q } = searchQuery.parse(req.query);
    const result = q.trim() === '' ? null : await searchUserReports(deps.db, currentUserId(res), q, deps.config.verdict);
    // The rows are the analyst's own: no shared cache or history keeps them.
    res.set('Cache-Control', 'no-store');
    res.render('search/index', { q, result, limit: SEARCH_LIMIT });
  });
  return router;
}
