import { Router, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { currentUserId } from '../auth/require-user.js';
import { userIdParam } from './admin.schemas.js';
import { loadDashboard, setUserDisabled } from './admin.service.js';
import { requireAdmin } from './require-admin.js';
import { setFlash } from '../web/flash.js';

export interface AdminRouteDeps {
  db: Db;
  lookups: Pick<LookupEngine, 'keys' | 'inFlight' | 'recentFailures' | 'personalKeyChanged'>;
}

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  router.use('/admin', requireAdmin);

  router.get('/admin', async (_req, res) => {
    const dashboard = await loadDashboard(deps.db, deps.lookups);
    // Live numbers and other people's addresses: never from a cache or the browser's history.
    res.set('Cache-Control', 'no-store');
    res.render('admin/index', { dashboard });
  });

  const toggle = (disabled: boolean) => async (req: Request, res: Response) => {
    await setUserDisabled(deps.db, deps.lookups, { adminId: currentUserId(res), userId: userId(req.params.id), disabled });
    setFlash(req, disabled ? 'Account disabled: signed out, and its reports no longer spend quota.' : 'Account enabled again.');
    res.redirect(303, '/admin');
  };
  router.post('/admin/users/:id/disable', toggle(true));
  router.post('/admin/users/:id/enable', toggle(false));

  return router;
}

function userId(value: unknown): number {
  const parsed = userIdParam.safeParse(value);
  if (!parsed.success) throw new NotFoundError('No such user.');
  return parsed.data;
}
