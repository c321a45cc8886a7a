import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { formView, parseForm } from '../web/validate.js';
import { apiKeySchema, settingsQuery } from './settings.schemas.js';
import { describeOwnKey, keyFormDefaults, removeOwnKey, saveOwnKey } from './settings.service.js';

export interface SettingsRouteDeps {
  db: Db;
  secretBox: SecretBox;
  lookups: Pick<LookupEngine, 'keys' | 'personalKeyChanged'>;
}

const VIEW = 'settings/index';

export function settingsRoutes(deps: SettingsRouteDeps): Router {
  const router = Router();
  router.use('/settings', requireUser, noStore);

  // Loaded before the POST too: a form that fails validation re-renders with the stored key's state.
  const loadOwnKey = async (_req: Request, res: Response, next: NextFunction) => {
    const userId = currentUserId(res);
    const ownKey = await describeOwnKey(deps.db, userId);
    res.locals.ownKey = ownKey;
    res.locals.defaults = keyFormDefaults(ownKey);
    res.locals.usage = ownKey ? (deps.lookups.keys().find((k) => k.ownerId === userId) ?? null) : null;
    res.locals.notice = null;
    next();
  };

  router.get('/settings', loadOwnKey, (req, res) => {
    const query = settingsQuery.parse(req.query);
    res.locals.notice = query.saved ? 'Your API key settings were saved.' : query.removed ? 'Your API key was removed.' : null;
    res.render(VIEW);
  });

  router.post('/settings/api-key', formView(VIEW), loadOwnKey, async (req, res) => {
    const userId = currentUserId(res);
    await saveOwnKey(deps.db, deps.secretBox, userId, parseForm(apiKeySchema, req.body));
    await deps.lookups.personalKeyChanged(userId);
    res.redirect(303, '/settings?saved=1');
  });

  router.post('/settings/api-key/delete', async (_req, res) => {
    const userId = currentUserId(res);
    await removeOwnKey(deps.db, userId);
    await deps.lookups.personalKeyChanged(userId);
    res.redirect(303, '/settings?removed=1');
  });

  return router;
}

/** The page names the user's key and quota: not for shared caches or the browser's history. */
function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
