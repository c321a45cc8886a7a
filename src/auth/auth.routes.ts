import { Router, type Request } from 'express';
import type { Db } from '../shared/database.js';
import { parseForm, formView } from '../web/validate.js';
import { loginSchema, registerSchema } from './auth.schemas.js';
import { authenticate, register, type CurrentUser } from './auth.service.js';

/**
 * Only same-site paths: an open redirect after login would hand sessions to phishing pages.
 * Control characters are refused too: browsers drop tabs and newlines from URLs, so "/\t/evil" is "//evil".
 */
function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\u0000-\u001f\u007f]*$/.test(value) ? value : '/reports';
}

/** A new session id on every sign-in, so a session id planted before login is worthless. */
function signIn(req: Request, user: CurrentUser): Promise<void> {
  return new Promise((resolve, reject) => {
    req.session.regenerate((err) => {
      if (err) return reject(err);
      req.session.userId = user.id;
      req.session.save((saveErr) => (saveErr ? reject(saveErr) : resolve()));
    });
  });
}

export function authRoutes(db: Db): Router {
  const router = Router();

  router.get('/register', (_req, res) => res.render('auth/register'));
  router.post('/register', formView('auth/register'), async (req, res) => {
    const input = parseForm(registerSchema, req.body);
    await signIn(req, await register(db, input));
    res.redirect(303, '/reports/new');
  });

  router.get('/login', (req, res) => res.render('auth/login', { next: safeNext(req.query.next) }));
  router.post('/login', formView('auth/login'), async (req, res) => {
    res.locals.next = safeNext((req.body as Record<string, unknown> | undefined)?.next);
    const input = parseForm(loginSchema, req.body);
    await signIn(req, await authenticate(db, input));
    res.redirect(303, res.locals.next as string);
  });

  router.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie('hash_report.sid');
      res.redirect(303, '/login');
    });
  });

  return router;
}
