import type { NextFunction, Request, Response } from 'express';
import { NotFoundError } from '../shared/errors.js';

/**
 * Pages send a visitor without a session to the login form (saying so when their session just
 * timed out, see web/session.ts); data endpoints (JSON, CSV, text, PDF) answer 404, the same as for a report
 * that does not exist.
 */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.currentUser) return next();
  if (req.method === 'GET' && !/\.(json|csv|txt|pdf)$/.test(req.path)) {
    const nextUrl = req.originalUrl.startsWith('/') ? req.originalUrl : '/reports';
    const expired = res.locals.sessionExpired === true ? '&expired=1' : '';
    return res.redirect(303, `/login?next=${encodeURIComponent(nextUrl)}${expired}`);
  }
  next(new NotFoundError());
}

export function currentUserId(res: Response): number {
  const user = res.locals.currentUser as { id: number } | null;
  if (!user) throw new NotFoundError();
  return user.id;
}
