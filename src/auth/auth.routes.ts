import { Router, type Request, type Response } from 'express';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/database.js';
import { AppError } from '../shared/errors.js';
import type { Mailer } from '../mail/mailer.js';
import { parseForm, formView } from '../web/validate.js';
import { SESSION_COOKIE, startSignedInSession } from '../web/session.js';
import { confirmEmailSchema, loginSchema, registerSchema } from './auth.schemas.js';
import { authenticate, register, type Attempt } from './auth.service.js';
import { CONFIRMATION_HOURS, confirmEmail, findPendingConfirmation, registerByEmail, type ConfirmationMail } from './email-confirmation.service.js';
import { dummyPasswordHash } from './password.js';
import { addressKey, AUTH_LIMITS, type AuthLimits } from './throttle.js';

export interface AuthRouteDeps {
  db: Db;
  config: Pick<Config, 'appUrl'>;
  /** Set when SMTP_URL is: registration then confirms the address by a link before the account exists. */
  mailer: Mailer | null;
  /** Sign-in and registration limits; tests shrink them. */
  authLimits?: AuthLimits;
}

export const SESSION_EXPIRED = 'Your session expired; sign in again.';
export const ADDRESS_CONFIRMED = 'Address confirmed — sign in.';
export const SIGNED_OUT = 'You are signed out.';

/** What the sign-in page says after a redirect, by its query parameter (`?signed_out=1`). */
const LOGIN_NOTICES: readonly [string, string][] = [
  ['expired', SESSION_EXPIRED],
  ['confirmed', ADDRESS_CONFIRMED],
  ['signed_out', SIGNED_OUT],
];

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

/** The value, or null after rendering the "link no longer works" page for a used, replaced or expired link. */
async function orLinkInvalid<T>(res: Response, work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof AppError && err.code === 'link_invalid')) throw err;
    res.status(400).render('errors/error', { title: 'This link no longer works', message: err.message });
    return null;
  }
}

export function authRoutes(deps: AuthRouteDeps): Router {
  const { db } = deps;
  const limits = deps.authLimits ?? AUTH_LIMITS;
  const router = Router();
  // Made now, so the first sign-in with an unknown email is not the one that pays for it (and stands out).
  void dummyPasswordHash();

  const mail: ConfirmationMail | null = deps.mailer ? { mailer: deps.mailer, appUrl: deps.config.appUrl } : null;

  router.get('/register', (_req, res) => res.render('auth/register'));
  router.post('/register', formView('auth/register'), async (req, res) => {
    const input = parseForm(registerSchema, req.body);
    if (mail) {
      // The same page whether the address is new or taken: only its mailbox learns which.
      await registerByEmail(db, input, attemptFrom(req, limits), mail);
      return res.render('auth/check-inbox', { email: input.email, hours: CONFIRMATION_HOURS });
    }
    const user = await register(db, input, attemptFrom(req, limits));
    await startSignedInSession(req, user.id);
    res.redirect(303, '/reports/new');
  });

  // Opening the link changes nothing (mail scanners open links too); the form below confirms.
  router.get('/confirm-email', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : '';
    const pending = await orLinkInvalid(res, findPendingConfirmation(db, token));
    if (pending) res.render('auth/confirm-email', { token, pending });
  });
  router.post('/confirm-email', async (req, res) => {
    const input = parseForm(confirmEmailSchema.pick({ token: true }), req.body);
    const pending = await orLinkInvalid(res, findPendingConfirmation(db, input.token));
    if (!pending) return;
    // From here a wrong password re-renders the same form.
    Object.assign(res.locals, { formView: 'auth/confirm-email', token: input.token, pending });
    if (!(await orLinkInvalid(res, confirmEmail(db, parseForm(confirmEmailSchema, req.body), attemptFrom(req, limits))))) return;
    res.redirect(303, '/login?confirmed=1');
  });

  router.get('/login', (req, res) => {
    const notice = LOGIN_NOTICES.find(([param]) => req.query[param] === '1')?.[1] ?? null;
    res.render('auth/login', { next: safeNext(req.query.next), notice });
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
      res.redirect(303, '/login?signed_out=1');
    });
  });

  return router;
}
