import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Db } from '../shared/database.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { attemptFrom } from '../auth/auth.routes.js';
import { changePasswordSchema } from '../auth/auth.schemas.js';
import { changePassword } from '../auth/auth.service.js';
import { AUTH_LIMITS, type AuthLimits } from '../auth/throttle.js';
import { formView, parseForm } from '../web/validate.js';
import { startSignedInSession } from '../web/session.js';
import { apiKeySchema, settingsQuery } from './settings.schemas.js';
import { describeOwnKey, keyFormDefaults, removeOwnKey, saveOwnKey } from './settings.service.js';

export interface SettingsRouteDeps {
  db: Db;
  secretBox: SecretBox;
  lookups: Pick<LookupEngine, 'keys' | 'personalKeyChanged'>;
  /** Wrong current passwords count like failed sign-ins. */
  authLimits?: AuthLimits;
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
    res.locals.notice = query.saved
      ? 'Your API key settings were saved.'
      : query.removed
        ? 'Your API key was removed.'
        : query.password
          ? 'Your password was changed. Everywhere else you were signed in, you are now signed out.'
          : null;
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

  router.post('/settings/password', formView(VIEW), loadOwnKey, async (req, res) => {
    // Set before parsing: on an error the page shows the message at this form, not at the key form.
    res.locals.failedForm = 'password';
    const userId = currentUserId(res);
    await changePassword(deps.db, userId, parseForm(changePasswordSchema, req.body), attemptFrom(req, deps.authLimits ?? AUTH_LIMITS));
    // A new session id too: whoever may have copied the old cookie holds nothing now.
    await startSignedInSession(req, userId);
    res.redirect(303, '/settings?password=changed');
  });

  return router;
}

/** The page names the user's key and quota: not for shared caches or the browser's history. */
function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
