import { Router, type Request } from 'express';
import type { Db } from '../shared/database.js';
import { parseForm, formView } from '../web/validate.js';
import { SESSION_COOKIE, startSignedInSession } from '../web/session.js';
import { loginSchema, registerSchema } from './auth.schemas.js';
import { authenticate, register, type Attempt } from './auth.service.js';
import { dummyPasswordHash } from './password.js';
import { addressKey, AUTH_LIMITS, type AuthLimits } from './throttle.js';

export interface AuthRouteDeps {
  db: Db;
  /** Sign-in and registration limits; tests shrink them. */
  authLimits?: AuthLimits;
}

export const SESSION_EXPIRED = 'Your session expired; sign in again.';

/**
 * Only same-site paths: an open redirect after login would hand sessions to phishing pages.
 * Control characters are refused too: browsers drop tabs and newlines from URLs, so "/\t/evil" is "//evil".
 */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\u0000-\u001f\u007f]*$/.test(value) ? value : '/reports';
}

/** req.ip honours the "trust proxy" setting (TRUST_PROXY), so a client cannot pick its own address. */
export function attemptFrom(req: Request, limits: AuthLimits): Attempt {
  return { address: addressKey(req.ip), limits };
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const { db } = deps;
  const limits = deps.authLimits ?? AUTH_LIMITS;
  const router = Router();
  // Made now, so the first sign-in with an unknown email is not the one that pays for it (and stands out).
  void dummyPasswordHash();

  router.get('/register', (_req, res) => res.render('auth/register'));
  router.post('/register', formView('auth/register'), async (req, res) => {
    const input = parseForm(registerSchema, req.body);
    const user = await register(db, input, attemptFrom(req, limits));
    await startSignedInSession(req, user.id);
    res.redirect(303, '/reports/new');
  });

  router.get('/login', (req, res) => {
    res.render('auth/login', { next: safeNext(req.query.next), notice: req.query.expired === '1' ? SESSION_EXPIRED : null });
  });
  router.post('/login', formView('auth/login'), async (req, res) => {
    res.locals.next = safeNext((req.body as Record<string, unknown> | undefined)?.next);
    const input = parseForm(loginSchema, req.body);
    const user = await authenticate(db, input, attemptFrom(req, limits));
    await startSignedInSession(req, user.id);
    res.redirect(303, res.locals.next as string);
  });

  router.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(SESSION_COOKIE);
      res.redirect(303, '/login');
    });
  });

  return router;
}
