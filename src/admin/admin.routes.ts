import { Router, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { currentUserId } from '../auth/require-user.js';
import { keyIdParam, userIdParam } from './admin.schemas.js';
import { keepKeyTest, takeKeyTest } from './key-test-result.js';
import { loadDashboard, setUserDisabled } from './admin.service.js';
import { requireAdmin } from './require-admin.js';
import { setFlash } from '../web/flash.js';
import { loadFeedStatus } from '../feeds/feed-status.js';

export interface AdminRouteDeps {
  db: Db;
  lookups: Pick<LookupEngine, 'keys' | 'inFlight' | 'recentFailures' | 'personalKeyChanged' | 'testSharedKey'>;
}

export function adminRoutes(deps: AdminRouteDeps): Router {
  const router = Router();
  router.use('/admin', requireAdmin);

  router.get('/admin', async (req, res) => {
    const [dashboard, feeds] = await Promise.all([loadDashboard(deps.db, deps.lookups), loadFeedStatus(deps.db)]);
    // Live numbers and other people's addresses: never from a cache or the browser's history.
    res.set('Cache-Control', 'no-store');
    res.render('admin/index', { dashboard, feeds, keyTest: takeKeyTest(req) });
  });

  // One call to VirusTotal with a shared key, counted against it; the answer shows at its row after the redirect.
  router.post('/admin/keys/:id/test', async (req, res) => {
    const id = keyIdParam.safeParse(req.params.id);
    const test = id.success ? await deps.lookups.testSharedKey(id.data) : null;
    if (!test || !id.success) throw new NotFoundError('No such shared key.');
    keepKeyTest(req, id.data, test);
    res.redirect(303, '/admin#key-test-result');
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
