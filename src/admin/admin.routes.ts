import { Router, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import { NotFoundError } from '../shared/errors.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { currentUserId } from '../auth/require-user.js';
import { ADMIN_PAGE_SIZES, keyIdParam, parseAdminView, userIdParam, type AdminView } from './admin.schemas.js';
import { adminHref, adminQuery, adminTableLinks } from './admin-links.js';
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
    const [dashboard, feeds] = await Promise.all([loadDashboard(deps.db, deps.lookups, parseAdminView(req.query)), loadFeedStatus(deps.db)]);
    // The pages as shown: one asked past a table's end shows (and links from) its last page.
    const view: AdminView = { keys: dashboard.keys.view, queue: dashboard.queue.view, users: dashboard.users.view };
    // Live numbers and other people's addresses: never from a cache or the browser's history.
    res.set('Cache-Control', 'no-store');
    res.render('admin/index', { dashboard, feeds, keyTest: takeKeyTest(req), tables: adminTableLinks(view), viewQuery: adminQuery(view), pageSizes: ADMIN_PAGE_SIZES });
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
    // The form's action carries the tables' order and pages: the admin comes back to the same view.
    res.redirect(303, adminHref(parseAdminView(req.query)));
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
