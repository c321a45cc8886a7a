import type { NextFunction, Request, Response } from 'express';
import { NotFoundError } from '../shared/errors.js';

/**
 * Pages send a visitor without a session to the login form; data endpoints (JSON, CSV) answer 404,
 * the same as for a report that does not exist.
 */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (res.locals.currentUser) return next();
  if (req.method === 'GET' && !/\.(json|csv)$/.test(req.path)) {
    const nextUrl = req.originalUrl.startsWith('/') ? req.originalUrl : '/reports';
    return res.redirect(303, `/login?next=${encodeURIComponent(nextUrl)}`);
  }
  next(new NotFoundError());
}

export function currentUserId(res: Response): number {
  const user = res.locals.currentUser as { id: number } | null;
  if (!user) throw new NotFoundError();
  return user.id;
}
