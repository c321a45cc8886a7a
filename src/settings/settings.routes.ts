import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import type { SecretBox } from '../shared/secret-box.js';
import type { LookupEngine } from '../lookups/lookup-engine.js';
import type { Mailer } from '../mail/mailer.js';
import { attachmentLimit, type AttachmentFormat } from '../mail/report-attachment.js';
import { currentUserId, requireUser } from '../auth/require-user.js';
import { attemptFrom } from '../auth/auth.routes.js';
import { changePasswordSchema } from '../auth/auth.schemas.js';
import { changePassword } from '../auth/auth.service.js';
import { requestConfirmation } from '../auth/email-confirmation.service.js';
import { AUTH_LIMITS, type AuthLimits } from '../auth/throttle.js';
import { formView, parseForm } from '../web/validate.js';
import { SESSION_COOKIE, startSignedInSession } from '../web/session.js';
import { apiKeySchema, deleteAccountSchema, emailPreferencesSchema, settingsQuery } from './settings.schemas.js';
import { describeOwnKey, keyFormDefaults, removeOwnKey } from './settings.service.js';
import { saveAndTestOwnKey, testSavedKey } from './key-check.service.js';
import { keepResult, takeResult } from './settings-result.js';
import { deleteAccount, loadEmailPreferences, saveEmailPreferences, sendTestEmail } from './account.service.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../api/api-token.service.js';
import { apiTokenForm, apiTokenIdParam } from '../api/api.schemas.js';
import { NotFoundError } from '../shared/errors.js';

export interface SettingsRouteDeps {
  config: Pick<Config, 'appUrl' | 'mailAttachmentMaxBytes'>;
  db: Db;
  secretBox: SecretBox;
  lookups: Pick<LookupEngine, 'keys' | 'personalKeyChanged' | 'testKey'>;
  /** Null when SMTP_URL is unset: the email section is hidden and the test email refused. */
  mailer: Mailer | null;
  /** The files the completion email can carry; PDF only once a renderer is plugged in. */
  attachmentFormats: readonly AttachmentFormat[];
  /** Wrong current passwords count like failed sign-ins. */
  authLimits?: AuthLimits | undefined;
}

const VIEW = 'settings/index';

/** What `/?account=deleted` says: the session is gone, so the message travels in the URL. */
export const ACCOUNT_DELETED_NOTICE = 'Your account and all its reports were deleted.';

export function settingsRoutes(deps: SettingsRouteDeps): Router {
  const router = Router();
  const limits = deps.authLimits ?? AUTH_LIMITS;
  router.use('/settings', requireUser, noStore);

  // Loaded before the POSTs too: a form that fails validation re-renders the whole page.
  const loadPage = async (_req: Request, res: Response, next: NextFunction) => {
    const userId = currentUserId(res);
    const ownKey = await describeOwnKey(deps.db, userId);
    res.locals.ownKey = ownKey;
    res.locals.defaults = keyFormDefaults(ownKey);
    res.locals.usage = ownKey ? (deps.lookups.keys().find((k) => k.ownerId === userId) ?? null) : null;
    res.locals.preferences = await loadEmailPreferences(deps.db, userId, deps.attachmentFormats);
    res.locals.attachmentFormats = deps.attachmentFormats;
    res.locals.attachmentLimit = attachmentLimit(deps.config.mailAttachmentMaxBytes);
    res.locals.apiTokens = await listApiTokens(deps.db, userId);
    // What the last form did (a key test, a new token), carried across its redirect; shown once.
    res.locals.result = null;
    res.locals.notice = null;
    next();
  };
  const checks = { db: deps.db, box: deps.secretBox, lookups: deps.lookups };

  router.get('/settings', loadPage, (req, res) => {
    const revoked = req.query.token === 'revoked' ? 'The API token was revoked: calls with it are refused from now on.' : null;
    res.locals.result = takeResult(req, deps.secretBox);
    res.locals.notice = res.locals.result ? null : (noticeFor(settingsQuery.parse(req.query), res.locals.currentUser as { email: string }) ?? revoked);
    res.render(VIEW);
  });

  // A new key is tested with one call to VirusTotal before it is saved; a refused one is not saved.
  router.post('/settings/api-key', formView(VIEW), loadPage, async (req, res) => {
    const userId = currentUserId(res);
    const saved = await saveAndTestOwnKey(checks, userId, parseForm(apiKeySchema, req.body));
    await deps.lookups.personalKeyChanged(userId);
    if (saved.test) keepResult(req, { kind: 'key-test', test: saved.test, saved: true, notes: saved.notes });
    res.redirect(303, '/settings?saved=1');
  });

  router.post('/settings/api-key/test', formView(VIEW), loadPage, async (req, res) => {
    const test = await testSavedKey(checks, currentUserId(res));
    if (test) keepResult(req, { kind: 'key-test', test, saved: false, notes: [] });
    res.redirect(303, '/settings');
  });

  router.post('/settings/api-key/delete', async (_req, res) => {
    const userId = currentUserId(res);
    await removeOwnKey(deps.db, userId);
    await deps.lookups.personalKeyChanged(userId);
    res.redirect(303, '/settings?removed=1');
  });

  router.post('/settings/password', formView(VIEW), loadPage, failedAt('password'), async (req, res) => {
    const userId = currentUserId(res);
    await changePassword(deps.db, userId, parseForm(changePasswordSchema, req.body), attemptFrom(req, limits));
    // A new session id too: whoever may have copied the old cookie holds nothing now.
    await startSignedInSession(req, userId);
    res.redirect(303, '/settings?password=changed');
  });

  router.post('/settings/email', formView(VIEW), loadPage, failedAt('email'), async (req, res) => {
    await saveEmailPreferences(deps.db, currentUserId(res), parseForm(emailPreferencesSchema(deps.attachmentFormats), req.body));
    res.redirect(303, '/settings?email=saved');
  });

  router.post('/settings/confirm-email', formView(VIEW), loadPage, failedAt('confirm-email'), async (_req, res) => {
    const mail = deps.mailer ? { mailer: deps.mailer, appUrl: deps.config.appUrl } : null;
    await requestConfirmation(deps.db, mail, currentUserId(res));
    res.redirect(303, '/settings?confirm=sent#email');
  });

  router.post('/settings/test-email', formView(VIEW), loadPage, failedAt('test-email'), async (_req, res) => {
    await sendTestEmail(deps.db, deps.mailer, currentUserId(res), deps.config.appUrl);
    res.redirect(303, '/settings?test=sent');
  });

  // The new token waits in the session, sealed (never in a URL), for the page the redirect opens: shown once, at the top.
  router.post('/settings/api-tokens', formView(VIEW), loadPage, failedAt('api-token'), async (req, res) => {
    const { tokenName } = parseForm(apiTokenForm, req.body);
    const { token, summary } = await createApiToken(deps.db, currentUserId(res), tokenName);
    keepResult(req, { kind: 'new-token', name: summary.name, sealedToken: deps.secretBox.seal(token) });
    res.redirect(303, '/settings?token=created');
  });

  router.post('/settings/api-tokens/:id/revoke', async (req, res) => {
    const tokenId = apiTokenIdParam.safeParse(req.params.id);
    if (!tokenId.success) throw new NotFoundError('Token not found.');
    await revokeApiToken(deps.db, currentUserId(res), tokenId.data);
    res.redirect(303, '/settings?token=revoked#api-tokens');
  });

  router.post('/settings/account/delete', formView(VIEW), loadPage, failedAt('delete'), async (req, res) => {
    const userId = currentUserId(res);
    await deleteAccount(deps.db, userId, parseForm(deleteAccountSchema, req.body), attemptFrom(req, limits));
    // The key ring still holds the deleted user's own key; reloading finds none and drops it.
    await deps.lookups.personalKeyChanged(userId);
    await endSession(req, res);
    res.redirect(303, '/?account=deleted');
  });

  return router;
}

function noticeFor(query: ReturnType<typeof settingsQuery.parse>, user: { email: string }): string | null {
  if (query.saved) return 'Your API key settings were saved.';
  if (query.removed) return 'Your API key was removed.';
  if (query.password) return 'Your password was changed. Everywhere else you were signed in, you are now signed out, and your API tokens were revoked: create new ones below for the scripts that need them.';
  if (query.email) return 'Your email settings were saved.';
  if (query.test) return `Test email sent to ${user.email}.`;
  if (query.confirm) return `A confirmation link was sent to ${user.email}; it works for 24 hours.`;
  return null;
}

/** Names the form a failed POST came from, so the page shows the message at that form (the key form otherwise). */
function failedAt(form: 'password' | 'email' | 'test-email' | 'confirm-email' | 'delete' | 'api-token') {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.failedForm = form;
    next();
  };
}

/** Destroys the session (its row included, so no later response can write it back) and drops the cookie. */
function endSession(req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.destroy((err: unknown) => {
      if (err) return reject(err instanceof Error ? err : new Error(String(err)));
      res.clearCookie(SESSION_COOKIE);
      resolve();
    });
  });
}

/** The page names the user's key and quota: not for shared caches or the browser's history. */
function noStore(_req: Request, res: Response, next: NextFunction): void {
  res.set('Cache-Control', 'no-store');
  next();
}
